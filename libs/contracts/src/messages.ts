import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  CaseState,
  CommentInput,
  DecisionInput,
  ExceptionReport,
  RemediationRequestInput,
} from './case';

/** A repeat of the same deviation while the case is open. */
export const occurrenceSignal = defineSignal<[ExceptionReport]>('occurrence');

/** An analyst's decision; validated before it is accepted into history. */
export const decideUpdate = defineUpdate<CaseState, [DecisionInput]>('decide');

/** An analyst's note on the case; it also counts as acknowledging it. */
export const commentSignal = defineSignal<[CommentInput]>('comment');

/** Proposes a playbook for approval; validated like a decision. */
export const requestRemediationUpdate = defineUpdate<CaseState, [RemediationRequestInput]>(
  'requestRemediation',
);

export const stateQuery = defineQuery<CaseState>('state');

export const EXCEPTION_CASE_WORKFLOW = 'exceptionCase';

export function caseWorkflowId(fingerprint: string): string {
  return `case-${fingerprint}`;
}
