/**
 * The inline guardrail: an agent runtime asks before a tool call whether the agent may make
 * it (`POST /v1/authorize`). The answer is always a decision, never an error without one.
 */

export const AUTHORIZE_DECISIONS = ['allow', 'deny'] as const;
export type AuthorizeDecision = (typeof AUTHORIZE_DECISIONS)[number];

/** The action an agent runtime asks about when it names none. */
export const DEFAULT_TOOL_ACTION = 'invoke';

export interface AuthorizeRequest {
  /** The identity making the call (usually an `ai_agent`). */
  readonly agentId: string;
  /** The tool, dotted by convention: `payments.refund`; its first segment is its class. */
  readonly tool: string;
  /** What is done with the tool; an action of the Cedar schema (`invoke`). */
  readonly action: string;
  /** What the call acts on, `type:id` by convention (`order:123`); null when nothing. */
  readonly resource: string | null;
  /** Facts about the call (amount, environment…); the schema says which policies may read. */
  readonly context: Readonly<Record<string, unknown>>;
}

export interface AuthorizeResponse {
  readonly decision: AuthorizeDecision;
  /** Why, one sentence each: the determining policies' reasons, or what failed. */
  readonly reasons: string[];
  /** The policy set version that decided (`v3`), or `none` when none could be loaded. */
  readonly policyVersion: string;
  /** The case a denial opened or joined; null on allow, or while the case is being opened. */
  readonly caseId: string | null;
  /** Ids of the Cedar policies that determined the decision. */
  readonly policies: string[];
  /** False when the policies could not be evaluated and the fail mode decided. */
  readonly evaluated: boolean;
}
