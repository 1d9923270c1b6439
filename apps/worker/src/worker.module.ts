import { Module } from '@nestjs/common';
import { ConfigModule } from '@vigil/config';
import { PersistenceModule } from '@vigil/persistence';
import { CaseWorker, DEFAULT_WORKFLOW_CODE, WORKFLOW_CODE } from './case-worker';

@Module({
  imports: [ConfigModule, PersistenceModule],
  providers: [CaseWorker, { provide: WORKFLOW_CODE, useValue: DEFAULT_WORKFLOW_CODE }],
})
export class WorkerModule {}
