import type { VigilConfig } from '@vigil/config';
import type { ReportOutcome } from '../../events/case-reporter';

/** What the guardrail thread is started with. */
export interface GuardrailThreadData {
  readonly config: VigilConfig;
}

/** What an ingest in the thread did, for the API's metrics. */
export interface IngestCounts {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: ReadonlyArray<{ readonly code: string }>;
}

/**
 * Work for the thread. Payloads travel as JSON: one string is copied between the threads,
 * where a graph of objects would be cloned field by field on the sending thread.
 */
export type ToGuardrailThread =
  | {
      readonly type: 'ingest';
      readonly id: number;
      /** TelemetryEvent[] */ readonly events: string;
    }
  | {
      readonly type: 'report';
      readonly id: number;
      /** ExceptionReport[] */ readonly reports: string;
    }
  | { readonly type: 'stop' };

export type FromGuardrailThread =
  | { readonly type: 'ready' }
  | { readonly type: 'ingested'; readonly id: number; readonly counts: IngestCounts }
  | { readonly type: 'reported'; readonly id: number; readonly outcomes: ReportOutcome[] }
  | { readonly type: 'failed'; readonly id: number; readonly message: string }
  | { readonly type: 'start-failed'; readonly message: string }
  | { readonly type: 'stopped' };
