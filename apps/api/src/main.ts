import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { VIGIL_CONFIG, redactUrl, type VigilConfig } from '@vigil/config';
import { migrate } from '@vigil/persistence';
import { createApi } from './app';
import { KeysService } from './auth/keys.service';
import { PolicyEngine } from './guardrail/policy-engine';

async function main(): Promise<void> {
  const logger = new Logger('api');
  const app = await createApi();
  const config = app.get<VigilConfig>(VIGIL_CONFIG);
  const applied = await migrate(app.get<DataSource>(getDataSourceToken()));
  if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
  const bootstrap = await app.get(KeysService).bootstrap(config.auth.adminKey);
  if (bootstrap.created && bootstrap.generatedKey) {
    // Shown once, on the console only: the store keeps a hash, and logs never hold keys.
    process.stdout.write(
      `\nVigil admin API key (shown once; store it now):\n\n  ${bootstrap.generatedKey}\n\n` +
        `Send it as Authorization: Bearer <key>. Create other keys with POST /v1/keys.\n\n`,
    );
  } else if (bootstrap.created) {
    logger.log(`admin key ${bootstrap.id} taken from VIGIL_ADMIN_KEY`);
  }
  // Load (or, on a new database, seed) the guardrail's policies before taking traffic.
  await app.get(PolicyEngine).refresh();
  await app.listen(config.api.port, config.api.host);
  const database =
    config.database.type === 'postgres' ? redactUrl(config.database.url) : config.database.path;
  logger.log(
    `listening on http://${config.api.host}:${config.api.port} (docs at /docs); ` +
      `temporal ${config.temporal.address}/${config.temporal.namespace}; database ${database}`,
  );
}

main().catch((error: unknown) => {
  new Logger('api').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
