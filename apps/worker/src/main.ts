import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig, nestLogLevels } from '@vigil/config';
import { installTemporalRuntime } from './temporal-runtime';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const { logLevel } = loadConfig();
  installTemporalRuntime(logLevel);
  const app = await NestFactory.createApplicationContext(WorkerModule, {
    logger: nestLogLevels(logLevel),
  });
  app.enableShutdownHooks();
}

main().catch((error: unknown) => {
  new Logger('worker').error(
    error instanceof Error ? (error.stack ?? error.message) : String(error),
  );
  process.exit(1);
});
