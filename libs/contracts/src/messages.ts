import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CaseState, DecisionInput, ExceptionReport } from './case';

/** A repeat of the same deviation while the case is open. */
export const occurrenceSignal = defineSignal<[ExceptionReport]>('occurrence');

/** An analyst's decision; validated before it is accepted into history. */
export const decideUpdate = defineUpdate<CaseState, [DecisionInput]>('decide');

export const stateQuery = defineQuery<CaseState>('state');

export const EXCEPTION_CASE_WORKFLOW = 'exceptionCase';

export function caseWorkflowId(fingerprint: string): string {
  return `case-${fingerprint}`;
}
