import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { RouteInfo } from '@nestjs/common/interfaces';
import {
  ConfigModule,
  VIGIL_CONFIG,
  VIGIL_LOGGER,
  loggerFor,
  type VigilConfig,
} from '@vigil/config';
import { PersistenceModule } from '@vigil/persistence';
import { AuthModule } from './auth/auth.module';
import { AuditModule } from './audit/audit.module';
import { CasesModule } from './cases/cases.module';
import { batchBodyMiddleware } from './common/batch-body';
import { jsonBodyMiddleware } from './common/body-parsing';
import { requestIdMiddleware } from './common/request-id';
import { DetectorsModule } from './detectors/detectors.module';
import { EventsModule } from './events/events.module';
import { ExceptionsModule } from './exceptions/exceptions.module';
import { GuardrailModule } from './guardrail/guardrail.module';
import { HealthController } from './health/health.controller';
import { IdentitiesModule } from './identities/identities.module';
import { MetricsModule } from './metrics/metrics.module';
import { PlaybooksModule } from './playbooks/playbooks.module';
import { SourcesModule } from './sources/sources.module';
import { TemporalModule } from './temporal/temporal.module';
import { TuningModule } from './tuning/tuning.module';

/** Routes whose body is a batch: a JSON array or NDJSON, up to 5 MiB. */
const BATCH_ROUTES: RouteInfo[] = [
  { path: 'v1/events', method: RequestMethod.POST },
  { path: 'v1/identities/import', method: RequestMethod.POST },
  { path: 'v1/sources/cloudtrail', method: RequestMethod.POST },
  { path: 'v1/sources/ocsf', method: RequestMethod.POST },
];

@Module({
  imports: [
    ConfigModule,
    PersistenceModule,
    MetricsModule,
    TemporalModule,
    AuthModule,
    ExceptionsModule,
    CasesModule,
    IdentitiesModule,
    EventsModule,
    DetectorsModule,
    PlaybooksModule,
    TuningModule,
    GuardrailModule,
    SourcesModule,
    AuditModule,
  ],
  controllers: [HealthController],
  providers: [
    {
      provide: VIGIL_LOGGER,
      useFactory: (config: VigilConfig) => loggerFor(config, 'api'),
      inject: [VIGIL_CONFIG],
    },
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(requestIdMiddleware).forRoutes('*path');
    consumer.apply(batchBodyMiddleware()).forRoutes(...BATCH_ROUTES);
    consumer
      .apply(jsonBodyMiddleware())
      .exclude(...BATCH_ROUTES)
      .forRoutes('*path');
  }
}
