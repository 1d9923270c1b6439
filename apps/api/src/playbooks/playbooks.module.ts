import { Module } from '@nestjs/common';
import { EscalationPoliciesController } from './escalation-policies.controller';
import { PlaybookPreviewService } from './playbook-preview.service';
import { PlaybooksController } from './playbooks.controller';
import { PlaybooksService } from './playbooks.service';
import { RestrictionsController } from './restrictions.controller';

/** Playbooks, escalation policies, dry runs, and the restrictions remediation leaves. */
@Module({
  controllers: [PlaybooksController, EscalationPoliciesController, RestrictionsController],
  providers: [PlaybooksService, PlaybookPreviewService],
  exports: [PlaybookPreviewService],
})
export class PlaybooksModule {}
