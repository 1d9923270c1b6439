import type { ExceptionReport } from '../../../contracts/src/case';
import type { CaseContext, RiskAssessment } from '../../../contracts/src/context';
import type { Severity } from '../../../contracts/src/vocabulary';
import { maxSeverity } from '../severity';

/** Score a report starts from when its evidence has none: the middle of its severity band. */
const SEVERITY_SCORE: Readonly<Record<Severity, number>> = {
  low: 0.3,
  medium: 0.55,
  high: 0.75,
  critical: 0.92,
};

/** Score bands of the case's severity (the same bands as detection's severity). */
const BANDS: ReadonlyArray<readonly [number, Severity]> = [
  [0.9, 'critical'],
  [0.65, 'high'],
  [0.4, 'medium'],
];

/** Context that makes the same deviation riskier, and by how much (added to the score). */
export const RISK_FACTORS = {
  criticalIdentity: 0.1,
  highIdentity: 0.05,
  vendorOwned: 0.05,
  unknownIdentity: 0.05,
  /** Per earlier case of the same fingerprint in the last 30 days, up to two. */
  repeatedFingerprint: 0.05,
  /** Two or more other open cases on the identity. */
  concurrentCases: 0.05,
  /** Many occurrences already joined before the case was assessed. */
  manyOccurrences: 0.05,
} as const;

const MANY_OCCURRENCES = 10;

/**
 * The case's risk, deterministic in the report and its context:
 *
 *   score = clamp(base + Σ factors), base = the detector's score (evidence.score) or the
 *           middle of the reported severity's band;
 *   factors: critical identity +0.10 (high +0.05); vendor-owned app +0.05; identity not in
 *           the inventory +0.05; each earlier case of the same fingerprint in 30 days +0.05
 *           (at most 2); two or more other open cases on the identity +0.05; 10 or more
 *           occurrences +0.05;
 *   severity = the higher of the reported severity and the score's band (≥ 0.9 critical,
 *           ≥ 0.65 high, ≥ 0.4 medium): context may raise a case's severity, never lower it.
 */
export function assessRisk(
  report: ExceptionReport,
  context: CaseContext,
  occurrences: number,
): RiskAssessment {
  const evidenceScore = report.evidence.score;
  const base =
    typeof evidenceScore === 'number' && evidenceScore >= 0 && evidenceScore <= 1
      ? evidenceScore
      : SEVERITY_SCORE[report.severity];
  const factors: { factor: string; effect: string }[] = [
    {
      factor: typeof evidenceScore === 'number' ? 'detector score' : `reported ${report.severity}`,
      effect: `base ${base.toFixed(2)}`,
    },
  ];
  let score = base;
  const add = (amount: number, factor: string): void => {
    score += amount;
    factors.push({ factor, effect: `+${amount.toFixed(2)}` });
  };
  const identity = context.identity;
  if (identity === null) add(RISK_FACTORS.unknownIdentity, 'identity not in the inventory');
  else {
    if (identity.criticality === 'critical')
      add(RISK_FACTORS.criticalIdentity, 'critical identity');
    else if (identity.criticality === 'high')
      add(RISK_FACTORS.highIdentity, 'high-criticality identity');
    if (identity.vendor !== null)
      add(RISK_FACTORS.vendorOwned, `vendor-owned (${identity.vendor})`);
  }
  const repeats = context.relatedCases.filter((c) => c.sameFingerprint).length;
  if (repeats > 0) {
    add(
      RISK_FACTORS.repeatedFingerprint * Math.min(2, repeats),
      `${repeats} earlier case(s) of the same deviation`,
    );
  }
  const otherOpen = context.relatedCases.filter(
    (c) => !c.sameFingerprint && c.status !== 'resolved',
  ).length;
  if (otherOpen >= 2)
    add(RISK_FACTORS.concurrentCases, `${otherOpen} other open cases on the identity`);
  if (occurrences >= MANY_OCCURRENCES)
    add(RISK_FACTORS.manyOccurrences, `${occurrences} occurrences`);
  score = Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000;
  let banded: Severity = 'low';
  for (const [floor, severity] of BANDS) {
    if (score >= floor) {
      banded = severity;
      break;
    }
  }
  return { score, severity: maxSeverity(report.severity, banded), factors };
}
