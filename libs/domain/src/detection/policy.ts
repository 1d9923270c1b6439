import type { Deviation } from '../../../contracts/src/telemetry';
import type { Sensitivity } from '../../../contracts/src/vocabulary';
import { DAY_MS, clampValue } from '../baseline/event-view';
import type { BaselineDimension } from '../baseline/types';
import type { DetectionContext } from './context';
import { CRITICALITY_WEIGHT, deviation, floorFor, impactOf } from './scoring';

/**
 * What the identity did against what its owner declared: a scope outside `allowedScopes`,
 * a tool outside `allowedTools` (each only when the list is declared), or a denial from
 * the policy decision point. Declared intent needs no baseline, so it escalates while the
 * identity is still learning. Score 0.75 + 0.25 × impact.
 */
export function policyViolation(ctx: DetectionContext): Deviation | null {
  const view = ctx.view;
  const compiled = ctx.policy;
  let what: 'scope' | 'tool' | 'decision';
  let value: string;
  if (
    view.scope !== null &&
    compiled.allowedScopes !== null &&
    !compiled.allowedScopes(view.scope)
  ) {
    what = 'scope';
    value = view.scope;
  } else if (
    view.tool !== null &&
    compiled.allowedTools !== null &&
    !compiled.allowedTools(view.tool)
  ) {
    what = 'tool';
    value = view.tool;
  } else if (view.type === 'policy.decision' && ctx.event.outcome === 'denied') {
    what = 'decision';
    value = clampValue(ctx.event.attributes.tool) ?? view.resource ?? view.action ?? 'denied';
  } else {
    return null;
  }
  const id = ctx.identity.id;
  const policy = ctx.identity.policy;
  const reason =
    what === 'scope'
      ? `${id} used scope "${value}", which its declared allowed scopes do not include. ` +
        `Revoke the grant, or amend the policy if the need is legitimate.`
      : what === 'tool'
        ? `${id} invoked tool "${value}", which its declared allowed tools do not include. ` +
          `Block the tool for this agent, or amend the policy if it should have it.`
        : `The policy decision point denied ${id} "${value}". Find out why it tried.`;
  return deviation(
    'policy_violation',
    0.75 + 0.25 * impactOf(ctx.sensitivity, ctx.identity.criticality),
    reason,
    value,
    {
      violation: what,
      value,
      allowed:
        what === 'scope' ? policy.allowedScopes : what === 'tool' ? policy.allowedTools : null,
      decisionReason: what === 'decision' ? (ctx.event.attributes.reason ?? null) : null,
      sensitivity: ctx.sensitivity,
    },
    true,
  );
}

const ADMIN_WORDS =
  /(?:^|[^a-z0-9])(?:admin|administrator|owner|root|superuser|sudo|fullaccess|full_access|full-access)(?:$|[^a-z0-9])/i;

/**
 * Admin-like: a service-wide wildcard (`*`, `iam:*`, `*:*`, `s3:*` — a `*` in the first two
 * segments) or a word such as admin, owner, root, superuser. `secrets:read:payments/*` is
 * a scoped wildcard, not an admin grant.
 */
export function isAdminLikeScope(scope: string): boolean {
  if (ADMIN_WORDS.test(scope)) return true;
  const segments = scope.split(/[:/.]/, 2);
  return segments.some((s) => s === '*');
}

const SENSITIVITY_BONUS: Readonly<Record<Sensitivity, number>> = {
  low: 0,
  medium: 0.1,
  high: 0.2,
  critical: 0.3,
};

/**
 * `privilege.elevated` events, and `scope.requested` for an admin-like scope. A first-time
 * elevation to a value scores 0.7, a repeat 0.45, each plus 0.1 per sensitivity tier above
 * low: a routine, known elevation on an untiered resource stays below the threshold.
 */
export function privilegeElevation(ctx: DetectionContext): Deviation | null {
  const view = ctx.view;
  const event = ctx.event;
  let value: string;
  let dimension: BaselineDimension | null;
  if (view.type === 'privilege.elevated') {
    const role = clampValue(event.attributes.role);
    if (view.scope !== null) {
      value = view.scope;
      dimension = 'scope';
    } else if (role !== null) {
      value = role;
      dimension = null;
    } else if (view.resource !== null) {
      value = view.resource;
      dimension = 'resource';
    } else {
      value = view.action ?? 'elevated';
      dimension = null;
    }
  } else if (
    view.type === 'scope.requested' &&
    view.scope !== null &&
    isAdminLikeScope(view.scope)
  ) {
    value = view.scope;
    dimension = 'scope';
  } else {
    return null;
  }
  const baseline = ctx.baseline;
  const seenBefore =
    dimension !== null
      ? (baseline.seen(dimension, value)?.count ?? 0)
      : (baseline.seen('event_type', 'privilege.elevated')?.count ?? 0);
  const novel = seenBefore === 0;
  const score = (novel ? 0.7 : 0.45) + SENSITIVITY_BONUS[ctx.sensitivity];
  if (score < floorFor(ctx, 'privilege_elevation')) return null;
  return deviation(
    'privilege_elevation',
    score,
    `${ctx.identity.id} elevated to "${value}"` +
      (novel ? ' for the first time' : ` (seen ${seenBefore} times before)`) +
      ` on a ${ctx.sensitivity}-sensitivity resource. Confirm a change or a break-glass ` +
      `procedure covers it.`,
    value,
    {
      elevatedTo: value,
      via: view.type,
      resource: view.resource,
      seenBefore,
      sensitivity: ctx.sensitivity,
      firstSeen: novel,
    },
  );
}

function sameEnvironment(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

/**
 * An identity declared for one environment, used from another: prod credentials in a dev
 * pipeline break isolation both ways. The declaration makes it a policy violation.
 * Reports at most once a day per foreign environment (the first event there that day).
 */
export function crossEnvironment(ctx: DetectionContext): Deviation | null {
  const declared = ctx.identity.environment;
  const used = ctx.view.environment;
  if (declared === null || declared === undefined || used === null) return null;
  if (sameEnvironment(declared, used)) return null;
  const known = ctx.baseline.seen('environment', used);
  if (known !== undefined && Math.floor(known.lastSeen / DAY_MS) >= ctx.view.day) return null;
  return deviation(
    'cross_environment',
    0.7 + 0.25 * CRITICALITY_WEIGHT[ctx.identity.criticality],
    `${ctx.identity.id} is declared for "${declared}" but was used from "${used}". ` +
      `Issue a separate identity per environment and rotate this one if it was copied.`,
    used,
    {
      declaredEnvironment: declared,
      sourceEnvironment: used,
      host: ctx.view.host,
      sourceIp: ctx.view.sourceIp,
      usedThereBefore: known?.count ?? 0,
    },
    true,
  );
}

/**
 * Activity by an identity nobody registered (auto-registered as `unclassified`). Low
 * score: it is an inventory gap, not an attack. It escalates while learning (an
 * unregistered identity is always new, so it would otherwise never surface) and reports
 * at most once a day; the value is the identity, so it is one case per identity.
 */
export function unclassifiedIdentity(ctx: DetectionContext): Deviation | null {
  if (ctx.identity.kind !== 'unclassified') return null;
  const last = ctx.baseline.lastEventAt;
  if (last !== null && Math.floor(last / DAY_MS) >= ctx.view.day) return null;
  return deviation(
    'unclassified_identity',
    0.3,
    `${ctx.identity.id} sent telemetry but is not in the inventory. Register it with an ` +
      `owner, kind and criticality, or retire it.`,
    ctx.identity.id,
    {
      firstEventType: ctx.view.type,
      sourceIp: ctx.view.sourceIp,
      host: ctx.view.host,
      eventsSoFar: ctx.baseline.eventCount,
    },
    true,
  );
}
