import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { AgentDirectoryModule } from '../guardrail/agent-directory.module';
import { IdentitiesController } from './identities.controller';
import { IdentitiesService } from './identities.service';

@Module({
  imports: [EventsModule, AgentDirectoryModule],
  controllers: [IdentitiesController],
  providers: [IdentitiesService],
  exports: [IdentitiesService],
})
export class IdentitiesModule {}
