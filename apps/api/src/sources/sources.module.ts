import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { SourcesController } from './sources.controller';
import { SourcesService } from './sources.service';

@Module({
  imports: [EventsModule],
  controllers: [SourcesController],
  providers: [SourcesService],
})
export class SourcesModule {}
