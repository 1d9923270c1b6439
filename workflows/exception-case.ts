import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { CaseActivities } from '../libs/contracts/src/activities';
import type { CaseInput, CaseOutcome } from '../libs/contracts/src/case';
import { decideUpdate, occurrenceSignal, stateQuery } from '../libs/contracts/src/messages';
import {
  VigilCaseStatus,
  VigilExceptionKind,
  VigilIdentity,
  VigilSeverity,
} from '../libs/contracts/src/search-attributes';
import { refuseDecision } from '../libs/domain/src/case-lifecycle';
import { CaseFile } from './case-file';
import { startJournal } from './journal';

const { recordCaseProgress, recordCaseOutcome } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  // A database outage must delay the record, never lose it: retry without an attempt limit.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * The durable handling of one exception: open the case, wait for an analyst's decision,
 * resolve, record the outcome.
 */
export async function exceptionCase(input: CaseInput): Promise<CaseOutcome> {
  const info = workflowInfo();
  const file = new CaseFile(
    { caseId: info.firstExecutionRunId, workflowId: info.workflowId },
    input.report,
    { remediationProposed: false, containmentAvailable: false },
  );
  let closed = false;

  setHandler(stateQuery, () => file.view());
  setHandler(occurrenceSignal, (report) => {
    if (file.addOccurrence(report, new Date().toISOString())) publishSeverity(file);
  });

  publishCase(file, input);
  const journal = startJournal(file, recordCaseProgress);

  file.moveTo('awaiting_decision', 'no automatic remediation applies; an analyst decides');
  publishStatus(file);

  // Registered once the case awaits a decision: a decision sent together with the report
  // is delivered when the handler is set, and must find the case ready for it.
  setHandler(
    decideUpdate,
    async (decision) => {
      file.decide(decision, new Date().toISOString());
      publishStatus(file);
      await condition(() => closed);
      return file.view();
    },
    {
      validator: (decision) => {
        const refusal = refuseDecision(file.currentStatus, file.decisionCapabilities, decision);
        if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
      },
    },
  );

  await condition(() => file.decided !== null);

  await journal.flush();
  const outcome = file.outcome();
  await recordCaseOutcome(outcome);
  await journal.flush();
  closed = true;
  await condition(allHandlersFinished);
  return outcome;
}

/** Upserts the search attributes whose values changed, so the UI can filter on them. */
function publish(pairs: SearchAttributeUpdatePair[]): void {
  const current = workflowInfo().typedSearchAttributes;
  const changed = pairs.filter(({ key, value }) => current.get(key) !== value);
  if (changed.length > 0) upsertSearchAttributes(changed);
}

function publishCase(file: CaseFile, input: CaseInput): void {
  publish([
    { key: VigilIdentity, value: input.report.identityId },
    { key: VigilExceptionKind, value: input.report.kind },
    { key: VigilSeverity, value: file.currentSeverity },
    { key: VigilCaseStatus, value: file.currentStatus },
  ]);
}

function publishStatus(file: CaseFile): void {
  publish([{ key: VigilCaseStatus, value: file.currentStatus }]);
}

function publishSeverity(file: CaseFile): void {
  publish([{ key: VigilSeverity, value: file.currentSeverity }]);
}
