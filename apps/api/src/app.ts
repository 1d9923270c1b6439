import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import helmet from 'helmet';
import {
  JsonNestLogger,
  VIGIL_CONFIG,
  VIGIL_LOGGER,
  type Logger,
  type VigilConfig,
} from '@vigil/config';
import { AppModule } from './app.module';
import { ErrorFilter } from './common/error.filter';
import { httpObservability } from './common/http-observability';
import { REQUEST_ID_HEADER } from './common/request-id';
import { RouteTable } from './common/route-table';
import { createValidationPipe } from './common/validation';
import { ApiMetrics } from './metrics/api-metrics';

export interface CreateApiOptions {
  /** Nest's logger; default: JSON lines through the API's logger (VIGIL_LOGGER). */
  readonly logger?: LoggerService | LogLevel[] | false;
}

/** The API application, configured as in production; `main.ts` and the tests both use it. */
export async function createApi(options: CreateApiOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    ...(options.logger === undefined ? { bufferLogs: true } : { logger: options.logger }),
  });
  if (options.logger === undefined) {
    app.useLogger(new JsonNestLogger(app.get<Logger>(VIGIL_LOGGER)));
  }
  configureApi(app);
  await app.init();
  return app;
}

/**
 * Everything between the socket and the routes: security headers, CORS (off unless
 * CORS_ORIGINS lists origins), request logs and metrics, errors as the error body,
 * validation, and the OpenAPI document. Call before `init()`.
 */
export function configureApi(app: INestApplication): void {
  const config = app.get<VigilConfig>(VIGIL_CONFIG);
  const document = openApiDocument(app);
  const routes = new RouteTable(document);
  const express = app.getHttpAdapter().getInstance() as { disable(setting: string): void };
  express.disable('x-powered-by');
  app.use(httpObservability(app.get<Logger>(VIGIL_LOGGER), app.get(ApiMetrics), routes));
  app.use(helmet());
  if (config.auth.corsOrigins.length > 0) {
    app.enableCors({
      origin: [...config.auth.corsOrigins],
      methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'],
      allowedHeaders: ['Authorization', 'Content-Type', REQUEST_ID_HEADER],
      exposedHeaders: [REQUEST_ID_HEADER, 'Retry-After'],
      maxAge: 600,
    });
  }
  app.useGlobalFilters(new ErrorFilter(routes));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
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
