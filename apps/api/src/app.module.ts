import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigModule } from '@vigil/config';
import { PersistenceModule } from '@vigil/persistence';
import { CasesModule } from './cases/cases.module';
import { jsonBodyMiddleware } from './common/body-parsing';
import { requestIdMiddleware } from './common/request-id';
import { ExceptionsModule } from './exceptions/exceptions.module';
import { HealthController } from './health/health.controller';
import { TemporalModule } from './temporal/temporal.module';

@Module({
  imports: [ConfigModule, PersistenceModule, TemporalModule, ExceptionsModule, CasesModule],
  controllers: [HealthController],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(requestIdMiddleware, jsonBodyMiddleware()).forRoutes('*path');
  }
}
