import type { TimelineEntry, TimelineEntryType } from '../../../contracts/src/case';

/**
 * The audit log's action vocabulary for case events: one stable dotted name per timeline
 * entry type. Remediation steps are named by how the step ended.
 */
const CASE_ACTIONS: Readonly<Record<TimelineEntryType, string>> = {
  opened: 'case.opened',
  occurrence: 'case.occurrence',
  severity_raised: 'case.severity_raised',
  status_changed: 'case.status_changed',
  context_gathered: 'case.context_gathered',
  risk_assessed: 'case.risk_assessed',
  remediation_proposed: 'remediation.proposed',
  remediation_started: 'remediation.started',
  remediation_step: 'remediation.step',
  remediation_finished: 'remediation.finished',
  escalated: 'case.escalated',
  reminder: 'case.reminded',
  notification_failed: 'case.notification_failed',
  comment: 'case.commented',
  approval: 'case.approved',
  decision: 'case.decided',
  resolved: 'case.resolved',
  risk_accepted_until: 'case.risk_accepted',
  reopened: 'case.reopened',
};

/** How a remediation step's status reads as an audit action. */
const STEP_ACTIONS: Readonly<Record<string, string>> = {
  applied: 'remediation.step_succeeded',
  already_applied: 'remediation.step_succeeded',
  failed: 'remediation.step_failed',
  compensated: 'remediation.step_compensated',
  not_compensated: 'remediation.step_not_compensated',
};

/** The audit action of one case timeline entry. */
export function caseAuditAction(entry: Pick<TimelineEntry, 'type' | 'detail'>): string {
  if (entry.type === 'remediation_step') {
    const status = entry.detail.status;
    return (typeof status === 'string' && STEP_ACTIONS[status]) || CASE_ACTIONS.remediation_step;
  }
  return CASE_ACTIONS[entry.type];
}

/** The idempotency key of a case timeline entry's audit row: the entry's own key. */
export function caseAuditKey(caseId: string, seq: number): string {
  return `case:${caseId}:${seq}`;
}
