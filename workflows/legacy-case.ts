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
import { VigilCaseStatus, VigilSeverity } from '../libs/contracts/src/search-attributes';
import { refuseDecision } from '../libs/domain/src/case-lifecycle';
import { CaseFile } from './case-file';
import { startJournal } from './journal';

const { recordCaseProgress, recordCaseOutcome } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * The first version of the case: open, wait for an analyst's decision, resolve, record.
 * Cases started before the full runbook run (and replay) here, command for command.
 */
export async function legacyExceptionCase(input: CaseInput): Promise<CaseOutcome> {
  const info = workflowInfo();
  const file = CaseFile.open(
    { caseId: info.firstExecutionRunId, workflowId: info.workflowId },
    input.report,
    null,
  );
  let closed = false;

  setHandler(stateQuery, () => file.view());
  setHandler(occurrenceSignal, (report) => {
    if (file.addOccurrence(report, new Date().toISOString())) {
      publish([{ key: VigilSeverity, value: file.currentSeverity }]);
    }
  });

  const journal = startJournal(file, recordCaseProgress);
  file.moveTo('awaiting_decision', 'no automatic remediation applies; an analyst decides');
  publish([{ key: VigilCaseStatus, value: file.currentStatus }]);

  setHandler(
    decideUpdate,
    async (decision) => {
      const at = new Date().toISOString();
      file.takeDecision(decision, at);
      file.clearPending();
      const { resolution, disposition } = file.outcomeOfDecision(decision.decision);
      file.resolve(resolution, disposition, decision.actor, at, `decided ${decision.decision}`);
      publish([{ key: VigilCaseStatus, value: file.currentStatus }]);
      await condition(() => closed);
      return file.view();
    },
    {
      validator: (decision) => {
        const refusal = refuseDecision(file.decisionFacts(), decision);
        if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
      },
    },
  );

  await condition(() => file.isResolved);
  await journal.flush();
  const outcome = file.outcome();
  await recordCaseOutcome(outcome);
  await journal.flush();
  closed = true;
  await condition(allHandlersFinished);
  return outcome;
}

function publish(pairs: SearchAttributeUpdatePair[]): void {
  const current = workflowInfo().typedSearchAttributes;
  const changed = pairs.filter(({ key, value }) => current.get(key) !== value);
  if (changed.length > 0) upsertSearchAttributes(changed);
}
