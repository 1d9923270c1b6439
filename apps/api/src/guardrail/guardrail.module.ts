import { Module } from '@nestjs/common';
import { PolicyStore } from '@vigil/persistence';
import { EventsModule } from '../events/events.module';
import { AgentDirectoryModule } from './agent-directory.module';
import { AuthorizeController } from './authorize.controller';
import { DenialCases } from './denial-cases';
import { GuardrailService } from './guardrail.service';
import { GuardrailThread } from './guardrail-thread/guardrail-thread';
import { PoliciesController } from './policies.controller';
import { PoliciesService } from './policies.service';
import { PolicyEngine } from './policy-engine';
import { findExamplePolicies } from './policy-files';
import { ToolUseFeed } from './tool-use-feed';

/** The inline guardrail (`POST /v1/authorize`) and its versioned Cedar policy sets. */
@Module({
  imports: [EventsModule, AgentDirectoryModule],
  controllers: [AuthorizeController, PoliciesController],
  providers: [
    GuardrailService,
    PoliciesService,
    DenialCases,
    ToolUseFeed,
    GuardrailThread,
    {
      provide: PolicyEngine,
      useFactory: (store: PolicyStore) => new PolicyEngine(store, findExamplePolicies()),
      inject: [PolicyStore],
    },
  ],
  exports: [PolicyEngine, GuardrailService],
})
export class GuardrailModule {}
