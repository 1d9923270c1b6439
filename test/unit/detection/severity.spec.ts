import { CRITICALITIES, SENSITIVITIES, SEVERITIES, type Severity } from '@vigil/contracts';
import { riskOf, severityOf, severityRank } from '@vigil/domain';

describe('severity', () => {
  it('makes a 0.9 novel vault scope on a high-criticality identity high or critical', () => {
    expect(['high', 'critical']).toContain(severityOf(0.9, 'high', 'critical'));
    expect(['high', 'critical']).toContain(severityOf(0.9, 'high', 'high'));
  });

  it('keeps a low-score novelty on a low-criticality identity low', () => {
    expect(severityOf(0.3, 'low', 'low')).toBe('low');
    expect(severityOf(0.5, 'low', 'low')).toBe('low');
  });

  it.each<
    [
      number,
      'low' | 'medium' | 'high' | 'critical',
      'low' | 'medium' | 'high' | 'critical',
      Severity,
    ]
  >([
    [1, 'low', 'low', 'medium'],
    [0.72, 'low', 'low', 'medium'],
    [0.71, 'low', 'low', 'low'],
    [0.96, 'medium', 'low', 'high'],
    [0.95, 'medium', 'low', 'medium'],
    [0.65, 'high', 'high', 'high'],
    [0.9, 'high', 'high', 'critical'],
    [0.79, 'high', 'critical', 'critical'],
    [0.78, 'high', 'critical', 'high'],
    [0.3, 'critical', 'critical', 'low'],
    [0.5, 'critical', 'critical', 'high'],
    [0.93, 'medium', 'critical', 'critical'],
  ])(
    'score %f, criticality %s, sensitivity %s → %s (the documented table)',
    (score, c, s, severity) => {
      expect(severityOf(score, c, s)).toBe(severity);
    },
  );

  it('never reaches critical for a low-criticality identity', () => {
    for (const s of SENSITIVITIES) expect(severityOf(1, 'low', s)).not.toBe('critical');
  });

  it('is monotone in score, criticality and sensitivity', () => {
    const scores = [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1];
    for (const c of CRITICALITIES) {
      for (const s of SENSITIVITIES) {
        const ranks = scores.map((x) => severityRank(severityOf(x, c, s)));
        expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
      }
    }
    for (let i = 1; i < CRITICALITIES.length; i++) {
      expect(riskOf(0.5, CRITICALITIES[i], 'low')).toBeGreaterThan(
        riskOf(0.5, CRITICALITIES[i - 1], 'low'),
      );
      expect(riskOf(0.5, 'low', SENSITIVITIES[i])).toBeGreaterThan(
        riskOf(0.5, 'low', SENSITIVITIES[i - 1]),
      );
    }
  });

  it('only returns known severities', () => {
    for (const c of CRITICALITIES)
      for (const s of SENSITIVITIES) expect(SEVERITIES).toContain(severityOf(0.8, c, s));
  });
});
