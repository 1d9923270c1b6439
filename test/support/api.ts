import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { VIGIL_CONFIG, loadConfig, type DatabaseSettings, type VigilConfig } from '@vigil/config';
import { AppModule } from '../../apps/api/src/app.module';
import { configureApi } from '../../apps/api/src/app';
import { KeysService } from '../../apps/api/src/auth/keys.service';
import { TEST_ADMIN_KEY } from './http';

// The API alone, without the Temporal test helpers: the benchmarks load this file from their
// compiled tree, where the repository's plain-JS scripts (temporal-tools.js) are not.

export function testConfig(overrides: {
  address: string;
  taskQueue: string;
  database: DatabaseSettings;
}): VigilConfig {
  const base = loadConfig({ LOG_LEVEL: 'warn' });
  return {
    ...base,
    temporal: { ...base.temporal, address: overrides.address, taskQueue: overrides.taskQueue },
    database: overrides.database,
    auth: { ...base.auth, adminKey: TEST_ADMIN_KEY },
    // Tests start scheduled workflows themselves, when they are what is tested.
    schedules: {
      ...base.schedules,
      tuningIntervalMs: null,
      sweepIntervalMs: null,
      retentionIntervalMs: null,
    },
  };
}

/**
 * The API exactly as main.ts builds it, with the given configuration; `customize` may
 * replace providers (a failing store, for a test of how the API copes), `logger` Nest's
 * logger (errors only to the console by default).
 */
export async function startApi(
  config: VigilConfig,
  customize: (builder: TestingModuleBuilder) => TestingModuleBuilder = (builder) => builder,
  options: { readonly logger?: LoggerService } = {},
): Promise<INestApplication> {
  const moduleRef = await customize(
    Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(VIGIL_CONFIG)
      .useValue(config),
  ).compile();
  const app = moduleRef.createNestApplication({
    bodyParser: false,
    logger: options.logger ?? ['error'],
  });
  configureApi(app);
  await app.init();
  await app.get(KeysService).bootstrap(config.auth.adminKey);
  return app;
}
