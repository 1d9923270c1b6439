import type { Identity } from './telemetry';
import type { CaseStatus, ExceptionKind, Resolution, Severity } from './vocabulary';

/** A case of the same identity or fingerprint, for the analyst's "has this happened before". */
export interface RelatedCase {
  readonly caseId: string;
  readonly workflowId: string;
  readonly kind: ExceptionKind;
  readonly severity: Severity;
  readonly status: CaseStatus;
  readonly resolution: Resolution | null;
  readonly openedAt: string;
  readonly sameFingerprint: boolean;
}

export interface RecentEvent {
  readonly id: string;
  readonly time: string;
  readonly type: string;
  readonly action: string | null;
  readonly resource: string | null;
  readonly scope: string | null;
  readonly outcome: string | null;
}

/** What the case workflow gathers before it assesses risk; stored on the case. */
export interface CaseContext {
  readonly gatheredAt: string;
  /** null when the identity is not in the inventory (it may have been deleted). */
  readonly identity: Identity | null;
  /** Days since the credential was last rotated or renewed (from telemetry); null: never seen. */
  readonly credentialAgeDays: number | null;
  readonly lastRotatedAt: string | null;
  /** Declared scopes/tools, those used in the recent window, and declared ones left unused. */
  readonly scopes: {
    readonly granted: readonly string[];
    readonly used: readonly string[];
    readonly unused: readonly string[];
  };
  readonly tools: {
    readonly granted: readonly string[];
    readonly used: readonly string[];
    readonly unused: readonly string[];
  };
  /** Restrictions Vigil has put on the identity (revoked scopes, blocked tools). */
  readonly restrictions: readonly {
    readonly kind: 'scope' | 'tool';
    readonly value: string;
    readonly caseId: string;
  }[];
  /** The identity's latest events, newest first. */
  readonly recentEvents: readonly RecentEvent[];
  readonly baseline: {
    readonly learning: boolean;
    readonly eventCount: number;
    readonly firstEventAt: string | null;
    readonly lastEventAt: string | null;
    /** Per dimension, how many distinct values and the most used few. */
    readonly dimensions: Readonly<
      Record<string, { readonly distinct: number; readonly top: readonly string[] }>
    >;
  } | null;
  /** Cases of the same identity (open, or opened in the last 30 days), newest first. */
  readonly relatedCases: readonly RelatedCase[];
}

/** The case's risk: a documented, deterministic function of the report and its context. */
export interface RiskAssessment {
  /** In [0, 1]. */
  readonly score: number;
  readonly severity: Severity;
  /** Each factor that moved the score, with its contribution, in order. */
  readonly factors: readonly { readonly factor: string; readonly effect: string }[];
}
