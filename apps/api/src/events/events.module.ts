import { Module } from '@nestjs/common';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import { BaselineStore } from '@vigil/persistence';
import { BaselineCache, DEFAULT_BASELINE_CACHE } from './baseline-cache';
import { CaseReporter } from './case-reporter';
import { EventsController } from './events.controller';
import { IngestService } from './ingest.service';

@Module({
  controllers: [EventsController],
  providers: [
    IngestService,
    CaseReporter,
    {
      provide: BaselineCache,
      useFactory: (store: BaselineStore, config: VigilConfig) =>
        new BaselineCache(store, {
          ...DEFAULT_BASELINE_CACHE,
          flushIntervalMs: config.ingest.baselineFlushMs,
        }),
      inject: [BaselineStore, VIGIL_CONFIG],
    },
  ],
  exports: [BaselineCache, IngestService],
})
export class EventsModule {}
