import { Module } from '@nestjs/common';
import { AgentDirectory } from './agent-directory';

/** The guardrail's identity cache, shared with the identity API that invalidates it. */
@Module({ providers: [AgentDirectory], exports: [AgentDirectory] })
export class AgentDirectoryModule {}
