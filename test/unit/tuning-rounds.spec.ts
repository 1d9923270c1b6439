import { injectAnomalies } from '../../bench/anomalies';
import { generateStream } from '../../bench/generator';
import { runTuningRounds } from '../../bench/tuning-rounds';

// The quality benchmark's tuning rounds on a small fixed seed: verdicts simulated from the
// labels must make the next pass quieter without losing what was found.
describe('tuning rounds (bench:quality, small seed)', () => {
  const stream = generateStream({ seed: 7, identities: 300, days: 21, maxEvents: 150_000 });
  const injected = injectAnomalies(stream, { seed: 11, perType: 4 });
  const { rounds } = runTuningRounds({
    events: injected.events,
    times: injected.events.map((e) => Date.parse(e.time)),
    identities: injected.identities,
    anomalies: injected.anomalies,
    rounds: 3,
    seed: 7,
  });

  it('runs the first pass and three tuned rounds', () => {
    expect(rounds.map((r) => r.round)).toEqual([0, 1, 2, 3]);
    expect(rounds[0].falsePositiveCases).toBeGreaterThan(0);
  });

  it('has fewer false-positive cases after tuning, never more from round to round', () => {
    const last = rounds[rounds.length - 1];
    expect(last.falsePositiveCases).toBeLessThan(rounds[0].falsePositiveCases);
    for (let i = 1; i < rounds.length; i++) {
      expect(rounds[i].falsePositiveCases).toBeLessThanOrEqual(rounds[i - 1].falsePositiveCases);
    }
  });

  it('holds recall at 0.95 or more', () => {
    for (const r of rounds) expect(r.recall).toBeGreaterThanOrEqual(0.95);
    expect(rounds[rounds.length - 1].recall).toBeGreaterThanOrEqual(rounds[0].recall - 0.05);
  });
});
