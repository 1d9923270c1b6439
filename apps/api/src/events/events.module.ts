import { Module } from '@nestjs/common';
import { CaseReporter } from './case-reporter';
import { EventsController } from './events.controller';
import { IngestService } from './ingest.service';

@Module({
  controllers: [EventsController],
  providers: [IngestService, CaseReporter],
})
export class EventsModule {}
