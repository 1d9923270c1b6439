import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import cors from 'cors';
import helmet from 'helmet';
import type { Server } from 'node:http';
import type { Role } from '@vigil/contracts';
import {
  JsonNestLogger,
  VIGIL_CONFIG,
  VIGIL_LOGGER,
  type Logger,
  type VigilConfig,
} from '@vigil/config';
import { AppModule } from './app.module';
import { AccessControl } from './auth/access-control';
import { ROLES_METADATA } from './auth/roles';
import { JSON_BODY_LIMIT } from './common/body-parsing';
import { ErrorFilter } from './common/error.filter';
import { httpObservability } from './common/http-observability';
import { REQUEST_ID_HEADER } from './common/request-id';
import { RouteTable } from './common/route-table';
import { headersSetBy } from './common/security-headers';
import { createValidationPipe } from './common/validation';
import { AuthorizeController } from './guardrail/authorize.controller';
import { AuthorizeHotPath, serveHotPathFirst } from './guardrail/authorize-hot-path';
import { GuardrailService } from './guardrail/guardrail.service';
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
  const logger = app.get<Logger>(VIGIL_LOGGER);
  app.use(httpObservability(logger, app.get(ApiMetrics), routes));
  const securityHeaders = helmet();
  app.use(securityHeaders);
  const corsEnabled = config.auth.corsOrigins.length > 0;
  const corsHeaders = corsEnabled
    ? cors({
        origin: [...config.auth.corsOrigins],
        methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'],
        allowedHeaders: ['Authorization', 'Content-Type', REQUEST_ID_HEADER],
        exposedHeaders: [REQUEST_ID_HEADER, 'Retry-After'],
        maxAge: 600,
      })
    : null;
  if (corsHeaders) app.use(corsHeaders);
  app.useGlobalFilters(new ErrorFilter(routes));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  const roles = app
    .get(Reflector)
    .getAllAndOverride<Role[] | undefined>(ROLES_METADATA, [
      AuthorizeController.prototype.authorize,
      AuthorizeController,
    ]);
  serveHotPathFirst(
    app.getHttpServer() as Server,
    new AuthorizeHotPath({
      guardrail: app.get(GuardrailService),
      access: app.get(AccessControl),
      metrics: app.get(ApiMetrics),
      logger,
      roles: roles ?? [],
      // What the middleware above sets on an answer to a request without an Origin.
      headers: [
        ...headersSetBy(securityHeaders),
        ...(corsHeaders ? headersSetBy(corsHeaders) : []),
      ],
      corsEnabled,
      bodyLimitBytes: JSON_BODY_LIMIT,
    }),
  );
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
