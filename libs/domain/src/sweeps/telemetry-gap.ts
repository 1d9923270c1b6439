import { isoTime, round } from '../detection/scoring';
import { activeHours, days, HOUR_MS } from './history';
import type { SweepFinding, SweepSettings, SweepSubject } from './types';

/** How an identity usually reports, from the active hours of its baseline window. */
export interface TelemetryCadence {
  readonly activeHours: number;
  /** From its first to its last active hour in the window. */
  readonly spanDays: number;
  /** The longest silence between two active hours: its nights, weekends and batch gaps. */
  readonly longestUsualGapHours: number;
  readonly medianGapHours: number;
}

export function telemetryCadence(subject: SweepSubject): TelemetryCadence | null {
  const hours = activeHours(subject.baseline);
  if (hours.length < 2) return null;
  const gaps: number[] = [];
  for (let i = 1; i < hours.length; i++) gaps.push((hours[i] - hours[i - 1]) / HOUR_MS);
  gaps.sort((a, b) => a - b);
  return {
    activeHours: hours.length,
    spanDays: round(days(hours[hours.length - 1] - hours[0]), 1),
    longestUsualGapHours: gaps[gaps.length - 1],
    medianGapHours: gaps[gaps.length >> 1],
  };
}

/**
 * An identity whose telemetry stopped for longer than it ever usually does: silent past
 * both a minimum and a multiple of the longest gap in its recent rhythm (an identity active
 * on weekdays only is not flagged every Saturday). Only active identities with enough
 * rhythm to judge: a suspended or retired identity is expected to be quiet, and a new one
 * has no cadence yet. A silence as long as dormancy is the dormancy sweep's concern. The
 * last event's time is the value: one case per silence, a new case for the next one.
 */
export function telemetryGapFinding(
  subject: SweepSubject,
  asOf: number,
  settings: SweepSettings,
): SweepFinding | null {
  const { identity, baseline } = subject;
  const last = baseline.lastEventAt;
  if (identity.status !== 'active' || last === null) return null;
  const cadence = telemetryCadence(subject);
  if (
    cadence === null ||
    cadence.activeHours < settings.gapMinActiveHours ||
    cadence.spanDays < settings.gapMinHistoryDays
  ) {
    return null;
  }
  const silentHours = (asOf - last) / HOUR_MS;
  const thresholdHours = Math.max(
    settings.gapMinSilenceHours,
    settings.gapCadenceFactor * cadence.longestUsualGapHours,
  );
  if (silentHours <= thresholdHours || silentHours >= settings.dormancyDays * 24) return null;
  const beyond = (silentHours - thresholdHours) / thresholdHours;
  return {
    identityId: identity.id,
    kind: 'telemetry_gap',
    score: 0.5 + 0.4 * Math.min(1, beyond),
    reason:
      `${identity.id} has sent no telemetry for ${round(silentHours, 1)} hours; it usually ` +
      `reports every ${round(cadence.medianGapHours, 1)} hours and was never silent longer ` +
      `than ${round(cadence.longestUsualGapHours, 1)} hours in its last ${cadence.spanDays} ` +
      `days. Check that it still runs and that its logs still reach Vigil.`,
    value: `silent-since-${isoTime(last)}`,
    sensitivity: 'low',
    details: {
      lastEventAt: isoTime(last),
      silentHours: round(silentHours, 1),
      thresholdHours: round(thresholdHours, 1),
      expectedCadence: cadence,
      eventCount: baseline.eventCount,
    },
  };
}
