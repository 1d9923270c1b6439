import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthorizeRequest, AuthorizeResponse } from '@vigil/contracts';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import { cedarContext, cedarRequestWith, coerceContext, type AgentFacts } from '@vigil/domain';
import { performance } from 'node:perf_hooks';
import { ApiError } from '../common/api-error';
import { ApiMetrics } from '../metrics/api-metrics';
import { AgentDirectory } from './agent-directory';
import { evaluate, type CompiledPolicySet } from './cedar';
import { DecisionCache } from './decision-cache';
import { DenialCases } from './denial-cases';
import { PolicyEngine } from './policy-engine';
import { ToolUseFeed } from './tool-use-feed';

/** How long a request waits for a first policy set load, or for an identity read. */
export const LOAD_WAIT_MS = 1_000;
/** Fail-mode answers are logged at most once per this interval, with a count. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/** Decisions Vigil makes before Cedar, whatever the published policies say. */
export const BUILT_IN_POLICIES = {
  unknownIdentity: 'vigil:unknown-identity',
  inactiveIdentity: 'vigil:inactive-identity',
  blockedTool: 'vigil:remediation-block',
  unknownAction: 'vigil:unknown-action',
  failMode: 'vigil:fail-mode',
} as const;

/** A decision and what Cedar (or Vigil) based it on, before any case is opened. */
export interface Verdict {
  readonly decision: 'allow' | 'deny';
  readonly reasons: string[];
  readonly policies: string[];
  readonly evaluated: boolean;
}

/**
 * `POST /v1/authorize`: may this agent make this tool call? Answers from memory (the
 * compiled active policy set, the cached identity), so it is fast; always answers with a
 * decision: when the policies cannot be evaluated, AUTHORIZE_FAIL_MODE decides, and says
 * so in the reasons. A denial opens or joins a policy_violation case; an allowed call is
 * fed to the agent's baseline.
 */
@Injectable()
export class GuardrailService {
  private readonly logger = new Logger(GuardrailService.name);
  private failures = 0;
  private failureLoggedAt = 0;
  /** Cedar's decisions for the active set (see DecisionCache). */
  readonly decisions = new DecisionCache<Verdict>();

  constructor(
    private readonly engine: PolicyEngine,
    private readonly directory: AgentDirectory,
    private readonly denials: DenialCases,
    private readonly feed: ToolUseFeed,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
    private readonly metrics: ApiMetrics,
  ) {}

  async authorize(request: AuthorizeRequest, requestId: string): Promise<AuthorizeResponse> {
    const started = performance.now();
    const answer = await this.answer(request, requestId);
    this.metrics.authorized(
      answer.decision,
      answer.evaluated,
      (performance.now() - started) / 1000,
    );
    return answer;
  }

  private async answer(request: AuthorizeRequest, requestId: string): Promise<AuthorizeResponse> {
    const policy = this.engine.active() ?? (await this.engine.ensure(LOAD_WAIT_MS));
    if (!policy) {
      return this.failed(
        `no policy set could be loaded: ${this.engine.lastFailure() ?? 'unknown error'}`,
        'none',
      );
    }
    const policyVersion = `v${policy.version}`;
    let facts = this.directory.fresh(request.agentId);
    if (facts === undefined) {
      try {
        facts = await within(
          this.directory.get(request.agentId),
          LOAD_WAIT_MS,
          'reading the identity',
        );
      } catch (error) {
        return this.failed(
          `the identity inventory could not be read: ${error instanceof Error ? error.message : String(error)}`,
          policyVersion,
        );
      }
    }
    const verdict = decide(
      request,
      facts,
      policy.compiled,
      this.config.authorize.failMode,
      this.decisions,
    );
    if (!verdict.evaluated) this.noteFailure(verdict.reasons.join('; '));
    const base = { ...verdict, policyVersion, caseId: null };
    if (verdict.decision === 'allow') {
      this.feed.record(request, policyVersion);
      return base;
    }
    // A fail-mode denial says nothing about the agent; only policy denials become cases.
    if (!verdict.evaluated) return base;
    const caseId = await this.denials.caseFor({
      request,
      identity: facts?.identity ?? null,
      reasons: verdict.reasons,
      policies: verdict.policies,
      policyVersion,
      requestId,
    });
    return { ...base, caseId };
  }

  private failed(problem: string, policyVersion: string): AuthorizeResponse {
    this.noteFailure(problem);
    return {
      ...failModeVerdict(this.config.authorize.failMode, problem),
      policyVersion,
      caseId: null,
    };
  }

  private noteFailure(problem: string): void {
    this.failures += 1;
    const now = Date.now();
    if (now - this.failureLoggedAt < FAILURE_LOG_INTERVAL_MS) return;
    this.logger.warn(
      `${this.failures} authorization(s) answered by ${this.config.authorize.failMode}; latest: ${problem}`,
    );
    this.failures = 0;
    this.failureLoggedAt = now;
  }
}

/**
 * The decision for one request against a compiled set: Vigil's built-in denials first
 * (unknown or inactive identity, tool blocked by remediation, action the schema does not
 * know), then Cedar, or Cedar's remembered answer to the same input when `decisions` has
 * it. A bad context is the caller's error (400), not a decision.
 */
export function decide(
  request: AuthorizeRequest,
  facts: AgentFacts | null,
  compiled: CompiledPolicySet,
  failMode: VigilConfig['authorize']['failMode'],
  decisions?: DecisionCache<Verdict>,
): Verdict {
  if (!facts) {
    return denied(
      BUILT_IN_POLICIES.unknownIdentity,
      `${request.agentId} is not in the identity inventory`,
    );
  }
  const { identity } = facts;
  if (identity.status !== 'active') {
    return denied(BUILT_IN_POLICIES.inactiveIdentity, `${identity.id} is ${identity.status}`);
  }
  const blockedBy = facts.blockedTools.get(request.tool);
  if (blockedBy !== undefined) {
    return denied(
      BUILT_IN_POLICIES.blockedTool,
      `tool ${request.tool} is blocked for ${identity.id} by the remediation of case ${blockedBy}`,
    );
  }
  const shape = compiled.actions.get(request.action);
  if (!shape) {
    return denied(
      BUILT_IN_POLICIES.unknownAction,
      `action "${request.action}" is not an action of the policy schema (${[...compiled.actions.keys()].join(', ')})`,
    );
  }
  const context = coerceContext(request.context, shape);
  if (!context.ok) throw ApiError.validation(context.field, context.message);
  // A dry-run candidate is checked against its schema, which wants every attribute; a
  // preparsed set is sent only what its policies read.
  const reads = compiled.engineId === null ? null : compiled.reads;
  const cedar = cedarContext(request, facts, context.context, reads);
  const key =
    reads && decisions ? decisions.keyOf(compiled.engineId, reads, facts, request, cedar) : null;
  const known = key === null ? undefined : decisions?.get(key);
  if (known) return known;
  const evaluation = evaluate(compiled, cedarRequestWith(request, facts, cedar, reads));
  if (!evaluation.ok) {
    return failModeVerdict(failMode, `Cedar could not evaluate the request: ${evaluation.error}`);
  }
  // A policy that errored was skipped by Cedar: a forbid among them might have applied.
  if (evaluation.decision === 'allow' && evaluation.errors.length > 0) {
    return failModeVerdict(
      failMode,
      `policies could not be evaluated: ${evaluation.errors.join('; ')}`,
    );
  }
  const reasons = evaluation.determining.map((id) => {
    const reason = compiled.reasons.get(id);
    return reason ? `${id}: ${reason}` : id;
  });
  if (evaluation.decision === 'deny' && reasons.length === 0) {
    reasons.push(
      `no policy permits ${identity.id} to ${request.action} ${request.tool}` +
        (evaluation.errors.length > 0 ? ` (errors: ${evaluation.errors.join('; ')})` : ''),
    );
  }
  const verdict: Verdict = Object.freeze({
    decision: evaluation.decision,
    reasons: Object.freeze(reasons) as string[],
    policies: Object.freeze(evaluation.determining) as string[],
    evaluated: true,
  });
  if (key !== null) decisions?.set(key, verdict);
  return verdict;
}

function denied(policy: string, reason: string): Verdict {
  return { decision: 'deny', reasons: [reason], policies: [policy], evaluated: true };
}

function failModeVerdict(failMode: VigilConfig['authorize']['failMode'], problem: string): Verdict {
  return {
    decision: failMode === 'fail-open' ? 'allow' : 'deny',
    reasons: [`${failMode}: ${problem}`],
    policies: [BUILT_IN_POLICIES.failMode],
    evaluated: false,
  };
}

async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
