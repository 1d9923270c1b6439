import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthorizeRequest, ExceptionReport, Identity, Severity } from '@vigil/contracts';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import { deviationFingerprint, identityBrief } from '@vigil/domain';
import { CaseReporter, type ReportOutcome } from '../events/case-reporter';
import { GuardrailThread } from './guardrail-thread/guardrail-thread';

/**
 * After a denial is reported, repeats of it (same agent and tool) within this window join
 * the same case without a call to Temporal each; their count goes with the next report.
 */
export const COALESCE_MS = 10_000;
const MAX_TRACKED = 10_000;
/** A denial not seen again for this long is forgotten, its case id with it. */
export const FORGET_AFTER_MS = 10 * 60_000;
/**
 * How often closed windows are looked for. Each denial's window closes on its own clock, so
 * looking often spreads the re-reports over time instead of sending them in one burst.
 */
const SWEEP_MS = 1_000;

/** A denial to record as a case. */
export interface Denial {
  readonly request: AuthorizeRequest;
  /** Null when the identity is not in the inventory. */
  readonly identity: Identity | null;
  readonly reasons: readonly string[];
  readonly policies: readonly string[];
  readonly policyVersion: string;
  readonly requestId: string;
}

interface Tracked {
  caseId: string | null;
  delivering: Promise<ReportOutcome | null> | null;
  reportedAt: number;
  /** When the latest denial of this agent and tool came. */
  deniedAt: number;
  /** Denials since the last report that joined it without one of their own. */
  repeats: number;
  last: Denial;
}

/**
 * Each denial opens or joins a `policy_violation` case, with the request as evidence. Its
 * fingerprint, `<agent>.policy_violation.<tool>`, is the one the ingest path's policy
 * violation detector gives the same agent and tool, so both join one case.
 *
 * The answer does not wait for Temporal: the report goes on in the background (CaseReporter
 * keeps it in the outbox while Temporal is down), and the answer names the case the
 * earlier denials of the same agent and tool went to, or none for the first one, which
 * waits for its case id only as long as AUTHORIZE_CASE_WAIT_MS says (0 by default). A burst of the same denial costs one report per
 * COALESCE_MS, not one per request; if the case has closed meanwhile, that report opens
 * the next case, which later answers name.
 */
@Injectable()
export class DenialCases implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DenialCases.name);
  private readonly tracked = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | undefined;

  private readonly caseWaitMs: number;

  constructor(
    private readonly reporter: CaseReporter,
    private readonly thread: GuardrailThread,
    @Inject(VIGIL_CONFIG) config: Pick<VigilConfig, 'authorize'>,
  ) {
    this.caseWaitMs = config.authorize.caseWaitMs;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  /** Reports what is pending, before the guardrail thread and the Temporal client stop. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.sweep(Number.POSITIVE_INFINITY);
    await Promise.all([...this.tracked.values()].map((t) => t.delivering));
  }

  /** Reports the denial (or counts it towards the open report); the case id if known in time. */
  async caseFor(denial: Denial, now: number = Date.now()): Promise<string | null> {
    const fingerprint = deviationFingerprint(
      denial.request.agentId,
      'policy_violation',
      denial.request.tool,
      now,
    );
    const known = this.tracked.get(fingerprint);
    if (known) known.deniedAt = now;
    if (known && (known.delivering || now - known.reportedAt < COALESCE_MS)) {
      known.repeats += 1;
      known.last = denial;
      if (known.caseId !== null || !known.delivering) return known.caseId;
      return this.waitFor(known.delivering);
    }
    const tracked: Tracked = known ?? {
      caseId: null,
      delivering: null,
      reportedAt: now,
      deniedAt: now,
      repeats: 0,
      last: denial,
    };
    if (!known) this.track(fingerprint, tracked);
    const delivering = this.deliver(fingerprint, tracked, denial, now);
    // A denial already reported to a case names it at once; the report goes on behind.
    return tracked.caseId ?? this.waitFor(delivering);
  }

  private deliver(
    fingerprint: string,
    tracked: Tracked,
    denial: Denial,
    now: number,
  ): Promise<ReportOutcome | null> {
    const report = reportOf(fingerprint, denial, tracked.repeats);
    tracked.repeats = 0;
    tracked.reportedAt = now;
    tracked.last = denial;
    const delivering = this.send(report)
      .then(([outcome]) => {
        if (outcome?.caseId) tracked.caseId = outcome.caseId;
        return outcome ?? null;
      })
      .catch((error: unknown) => {
        this.logger.error(
          `could not report the denial of ${denial.request.tool} to ${denial.request.agentId}: ` +
            (error instanceof Error ? error.message : String(error)),
        );
        return null;
      })
      .finally(() => {
        if (tracked.delivering === delivering) tracked.delivering = null;
      });
    tracked.delivering = delivering;
    return delivering;
  }

  /**
   * Reports from the guardrail thread, so the Temporal calls are not made on the thread
   * that answers authorizations; from here when that thread is unavailable or failed. A
   * report sent twice that way joins its case once: Temporal knows its report id.
   */
  private async send(report: ExceptionReport): Promise<ReportOutcome[]> {
    if (this.thread.available) {
      try {
        return await this.thread.report([report]);
      } catch (error) {
        this.logger.warn(
          `the guardrail thread could not report a denial, reporting it here: ` +
            (error instanceof Error ? error.message : String(error)),
        );
      }
    }
    return this.reporter.report([report]);
  }

  private async waitFor(delivering: Promise<ReportOutcome | null>): Promise<string | null> {
    if (this.caseWaitMs === 0) return null;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.caseWaitMs);
    });
    try {
      const outcome = await Promise.race([delivering, late]);
      return outcome?.caseId ?? null;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Reports the repeats counted in windows that have closed, and forgets denials not seen
   * for FORGET_AFTER_MS.
   */
  private sweep(now: number = Date.now()): void {
    for (const [fingerprint, tracked] of this.tracked) {
      if (tracked.delivering || now - tracked.reportedAt < COALESCE_MS) continue;
      if (tracked.repeats > 0) {
        void this.deliver(fingerprint, tracked, tracked.last, Math.min(now, Date.now()));
      } else if (now - tracked.deniedAt >= FORGET_AFTER_MS) {
        this.tracked.delete(fingerprint);
      }
    }
  }

  private track(fingerprint: string, tracked: Tracked): void {
    this.tracked.set(fingerprint, tracked);
    if (this.tracked.size > MAX_TRACKED) {
      const oldest = this.tracked.keys().next().value as string;
      if (!this.tracked.get(oldest)?.delivering) this.tracked.delete(oldest);
    }
  }
}

/**
 * Severity of a refused call: it did not happen, so the identity's criticality (capped at
 * high) says how much it matters; an inactive or unknown identity still trying is high.
 */
function severityOf(identity: Identity | null): Severity {
  if (!identity || identity.status !== 'active') return 'high';
  return identity.criticality === 'critical' ? 'high' : identity.criticality;
}

function reportOf(fingerprint: string, denial: Denial, repeats: number): ExceptionReport {
  const { request, identity } = denial;
  return {
    reportId: randomUUID(),
    identityId: request.agentId,
    kind: 'policy_violation',
    severity: severityOf(identity),
    fingerprint,
    reportedAt: new Date().toISOString(),
    evidence: {
      detector: 'policy_violation',
      reason:
        `The guardrail denied ${request.agentId} ${request.action} of tool "${request.tool}"` +
        (request.resource ? ` on ${request.resource}` : '') +
        `: ${denial.reasons.join('; ')}`,
      value: request.tool,
      owasp: 'NHI5',
      nist: 'PR.AA-05',
      request: {
        agentId: request.agentId,
        tool: request.tool,
        action: request.action,
        resource: request.resource,
        context: request.context,
      },
      decision: {
        decision: 'deny',
        reasons: [...denial.reasons],
        policies: [...denial.policies],
        policyVersion: denial.policyVersion,
        requestId: denial.requestId,
      },
      // Denials of the same call that joined this case since the previous report.
      repeatedDenials: repeats,
      // Same shape as the policy violation detector's details, so playbooks match on
      // `decision` (e.g. block the tool for the agent).
      details: { violation: 'decision', value: request.tool, decisionReason: denial.reasons[0] },
      identity: identity && { ...identityBrief(identity), status: identity.status },
      routeTo: identity?.owner ?? null,
    },
  };
}
