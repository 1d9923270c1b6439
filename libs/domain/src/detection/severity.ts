import type { Criticality, Sensitivity, Severity } from '../../../contracts/src/vocabulary';

/**
 * Severity = band(score × C[identity criticality] × S[resource sensitivity]).
 *
 *   C: low 0.7, medium 0.85, high 1.0, critical 1.15
 *   S: low 0.8, medium 0.9,  high 1.0, critical 1.15   (no resource, or untiered: low)
 *   band: ≥ 0.9 critical, ≥ 0.65 high, ≥ 0.4 medium, else low
 *
 * The score says how far outside normal or policy the event is; the factors say how much
 * it would hurt. High is reachable on an untiered resource only from a medium-criticality
 * identity upwards; critical is out of reach for a low-criticality identity and needs a
 * critical resource on a medium one. Minimum score (rounded up) for medium / high /
 * critical ("—": unreachable):
 *
 *   criticality \ sensitivity   low                 medium              high                critical
 *   low                         0.72 / —    / —     0.64 / —    / —     0.58 / 0.93 / —     0.50 / 0.81 / —
 *   medium                      0.59 / 0.96 / —     0.53 / 0.85 / —     0.48 / 0.77 / —     0.41 / 0.67 / 0.93
 *   high                        0.50 / 0.82 / —     0.45 / 0.73 / 1.00  0.40 / 0.65 / 0.90  0.35 / 0.57 / 0.79
 *   critical                    0.44 / 0.71 / 0.98  0.39 / 0.63 / 0.87  0.35 / 0.57 / 0.79  0.31 / 0.50 / 0.69
 *
 * A multiplicative model keeps the three inputs independent and monotone: raising any one
 * never lowers the severity, and each factor's effect is the same at every score.
 */
export const CRITICALITY_FACTOR: Readonly<Record<Criticality, number>> = {
  low: 0.7,
  medium: 0.85,
  high: 1.0,
  critical: 1.15,
};

export const SENSITIVITY_FACTOR: Readonly<Record<Sensitivity, number>> = {
  low: 0.8,
  medium: 0.9,
  high: 1.0,
  critical: 1.15,
};

export const SEVERITY_BANDS: ReadonlyArray<readonly [number, Severity]> = [
  [0.9, 'critical'],
  [0.65, 'high'],
  [0.4, 'medium'],
];

export function riskOf(score: number, criticality: Criticality, sensitivity: Sensitivity): number {
  return score * CRITICALITY_FACTOR[criticality] * SENSITIVITY_FACTOR[sensitivity];
}

export function severityOf(
  score: number,
  criticality: Criticality,
  sensitivity: Sensitivity,
): Severity {
  // Rounded so a product such as 0.65 × 1.0 × 1.0 is not pushed below a band by float error.
  const risk = Math.round(riskOf(score, criticality, sensitivity) * 1e9) / 1e9;
  for (const [floor, severity] of SEVERITY_BANDS) {
    if (risk >= floor) return severity;
  }
  return 'low';
}
