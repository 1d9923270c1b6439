import type { Deviation } from '../../../contracts/src/telemetry';
import type { BaselineDimension } from '../baseline/types';
import type { DetectionContext } from './context';
import {
  EVIDENCE_SAMPLE,
  deviation,
  floorFor,
  impactOf,
  noveltySurprise,
  round,
  sample,
  type DetectorKind,
} from './scoring';

/**
 * First use of a value in a dimension. The score is the novelty's surprise (damped when
 * the identity routinely adds values) times its impact: a floor of 0.35 for any genuine
 * novelty, rising to 1 with resource sensitivity and identity criticality.
 *
 *   score = surprise × (0.35 + 0.65 × √(sensitivityWeight × criticalityWeight))
 *
 * With the default thresholds this raises a new scope or tool on a medium-criticality
 * identity, but a new resource only when it is tiered medium or above (or the identity is
 * critical enough): resources churn far more than grants do.
 */
function novelty(
  ctx: DetectionContext,
  kind: DetectorKind,
  dimension: BaselineDimension,
  value: string | null,
  noun: string,
): Deviation | null {
  if (value === null) return null;
  const baseline = ctx.baseline;
  // A saturated dimension's table is large and its novelty damped to nothing: score first
  // and look the value up only if the score could matter.
  const saturated = baseline.isSaturated(dimension);
  if (!saturated && baseline.seen(dimension, value) !== undefined) return null;
  const surprise = noveltySurprise(baseline, dimension, ctx.eventTimeMs);
  const impact = impactOf(ctx.sensitivity, ctx.identity.criticality);
  const score = surprise * (0.35 + 0.65 * impact);
  if (score < floorFor(ctx, kind)) return null;
  if (saturated && baseline.seen(dimension, value) !== undefined) return null;
  const known = baseline.distinct(dimension);
  const id = ctx.identity.id;
  const reason =
    known === 0
      ? `${id} used its first ${noun}, "${value}" (${ctx.sensitivity} sensitivity). ` +
        `Confirm it belongs to this identity's job.`
      : `${id} used ${noun} "${value}" for the first time (${ctx.sensitivity} sensitivity); ` +
        `it had used ${known} other ${noun}s over ${baseline.eventCount} events. ` +
        `Confirm the workload needs it, or revoke it.`;
  return deviation(kind, score, reason, value, {
    dimension,
    value,
    known: sample(baseline.values(dimension), EVIDENCE_SAMPLE),
    knownCount: known,
    observations: baseline.observations(dimension),
    missingMass: round(baseline.missingMass(dimension) || 0, 4),
    newValuesPerDay: round(baseline.newValuesPerDay(dimension, ctx.eventTimeMs), 3),
    surprise: round(surprise, 3),
    sensitivity: ctx.sensitivity,
    criticality: ctx.identity.criticality,
    firstSeen: true,
  });
}

export function novelScope(ctx: DetectionContext): Deviation | null {
  return novelty(ctx, 'novel_scope', 'scope', ctx.view.scope, 'scope');
}

export function novelTool(ctx: DetectionContext): Deviation | null {
  return novelty(ctx, 'novel_tool', 'tool', ctx.view.tool, 'tool');
}

export function novelResource(ctx: DetectionContext): Deviation | null {
  return novelty(ctx, 'novel_resource', 'resource', ctx.view.resource, 'resource');
}
