import { Global, Module } from '@nestjs/common';
import { ApiMetrics } from './api-metrics';
import { CaseMetrics } from './case-metrics';
import { MetricsController } from './metrics.controller';

/** `GET /metrics`, and the API's counters for any module to record into. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [ApiMetrics, CaseMetrics],
  exports: [ApiMetrics],
})
export class MetricsModule {}
