import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonNestLogger, loadConfig, loggerFor } from '@vigil/config';
import { installTemporalRuntime } from './temporal-runtime';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = loggerFor(config, 'worker');
  installTemporalRuntime(config.logLevel, logger);
  const app = await NestFactory.createApplicationContext(WorkerModule, {
    logger: new JsonNestLogger(logger),
  });
  app.enableShutdownHooks();
}

main().catch((error: unknown) => {
  new Logger('worker').error(
    error instanceof Error ? (error.stack ?? error.message) : String(error),
  );
  process.exit(1);
});
