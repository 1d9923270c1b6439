import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { ErrorFilter } from './common/error.filter';
import { createValidationPipe } from './common/validation';

export interface CreateApiOptions {
  readonly logger?: LoggerService | LogLevel[] | false;
}

/** The API application, configured as in production; `main.ts` and the tests both use it. */
export async function createApi(options: CreateApiOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    logger: options.logger,
  });
  configureApi(app);
  await app.init();
  return app;
}

export function configureApi(app: INestApplication): void {
  app.useGlobalFilters(new ErrorFilter());
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  const document = openApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
}

export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Vigil API')
    .setDescription(
      'Exception-based governance for non-human identities and AI agents: report exceptions, ' +
        'read cases, decide them.',
    )
    .setVersion('1')
    .build();
  return SwaggerModule.createDocument(app, config);
}
