import type { CaseState } from './case';

/** Body of every API error. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly field?: string;
  readonly requestId: string;
}

export interface ReportExceptionResponse {
  readonly caseId: string;
  readonly workflowId: string;
  readonly deduplicated: boolean;
}

/** A case as the API shows it. */
export type CaseView = Omit<CaseState, 'caseId'> & {
  readonly id: string;
  readonly updatedAt: string;
};

export interface CaseSummary {
  readonly id: string;
  readonly workflowId: string;
  readonly identityId: string;
  readonly kind: string;
  readonly severity: string;
  readonly status: string;
  readonly occurrences: number;
  readonly resolution: string | null;
  readonly openedAt: string;
  readonly updatedAt: string;
}

export interface CaseList {
  readonly items: readonly CaseSummary[];
  readonly nextCursor: string | null;
}
