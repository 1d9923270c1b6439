import { Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type {
  Identity,
  ReplayProgress,
  ReplayResult,
  ReplayTruePositive,
  TelemetryEvent,
  TuningActivities,
  TuningRun,
} from '@vigil/contracts';
import {
  AllowanceIndex,
  allowanceRules,
  allowancesFromVerdicts,
  Baseline,
  DEFAULT_THRESHOLDS,
  DEFAULT_TUNING_POLICY,
  DETECTOR_KINDS,
  TUNING_WINDOW_DAYS,
  VERDICT_ALLOWANCE_DAYS,
  WhatIfReplay,
  overlayThresholds,
  planThresholds,
  subtractDelta,
  type ThresholdTable,
} from '@vigil/domain';
import {
  BaselineStore,
  CaseEntity,
  EMPTY_POLICY,
  EventArchive,
  IdentityStore,
  ReplayStore,
  TuningStore,
  UNCLASSIFIED_DEFAULTS,
} from '@vigil/persistence';
import { In } from 'typeorm';

export interface TuningDeps {
  readonly dataSource: DataSource;
  readonly now?: () => Date;
  /** Target precision when a run does not name one (TUNING_TARGET_PRECISION). */
  readonly targetPrecision?: number;
}

const DAY_MS = 86_400_000;
/** Events per page of a replay; progress is written after each. */
const REPLAY_PAGE = 5_000;

export function createTuningActivities(
  deps: TuningDeps,
): TuningActivities & { lapseAllowances(input: { caseId: string }): Promise<number> } {
  const now = deps.now ?? (() => new Date());
  const tuning = new TuningStore(deps.dataSource, now);
  const replays = new ReplayStore(deps.dataSource, now);
  const archive = new EventArchive(deps.dataSource);
  const baselines = new BaselineStore(deps.dataSource);
  const identities = new IdentityStore(deps.dataSource);

  async function currentTable(): Promise<ThresholdTable> {
    const stored = await tuning.thresholds();
    return {
      global: { ...DEFAULT_THRESHOLDS, ...stored.global },
      byIdentityKind: stored.byIdentityKind,
    };
  }

  return {
    async lapseAllowances({ caseId }) {
      return (await tuning.endAllowancesOfCase(caseId, 'lapsed')).length;
    },

    async runBaselineTuning(input): Promise<TuningRun> {
      const recorded = await tuning.run(input.runId);
      if (recorded) return recorded;
      const at = now();
      const targetPrecision =
        input.targetPrecision ?? deps.targetPrecision ?? DEFAULT_TUNING_POLICY.targetPrecision;
      const since = new Date(at.getTime() - TUNING_WINDOW_DAYS * DAY_MS);
      const [window, table, due] = await Promise.all([
        tuning.verdicts(since),
        currentTable(),
        tuning.dueAllowances(at),
      ]);
      const isNew = (v: { readonly tuningRunId: string | null }): boolean => v.tuningRunId === null;
      const plan = planThresholds(window.verdicts, table, DEFAULT_THRESHOLDS, isNew, {
        ...DEFAULT_TUNING_POLICY,
        targetPrecision,
      });
      const fresh = window.verdicts.filter(isNew);
      const benign = fresh.filter((v) => v.disposition === 'benign_expected');
      const allowancesAdded = allowancesFromVerdicts(
        fresh,
        benign.length > 0
          ? await tuning.casesWithAllowances(benign.map((v) => v.caseId))
          : new Set(),
        input.runId,
        at,
        VERDICT_ALLOWANCE_DAYS,
      );
      const moved = plan.changes.length;
      const reason =
        fresh.length === 0 && due.length === 0
          ? 'no new verdicts since the previous run; nothing changed'
          : [
              `${fresh.length} new verdict(s) of ${window.verdicts.length} in the last ${TUNING_WINDOW_DAYS} days`,
              moved === 0
                ? 'no threshold moved'
                : `${moved} threshold(s) moved: ${plan.changes
                    .map(
                      (c) =>
                        `${c.detector}${c.identityKind ? `/${c.identityKind}` : ''} ${c.before ?? '-'}→${c.after ?? '-'}`,
                    )
                    .join(', ')}`,
              `${allowancesAdded.length} allowance(s) added, ${due.length} expired`,
            ].join('; ');
      const run: TuningRun = {
        id: input.runId,
        status: 'applied',
        startedAt: input.startedAt,
        finishedAt: at.toISOString(),
        inputs: {
          trigger: input.trigger,
          requestedBy: input.requestedBy,
          targetPrecision,
          verdicts: window.verdicts.length,
          newVerdicts: fresh.length,
          excluded: window.excluded,
          windowDays: TUNING_WINDOW_DAYS,
        },
        thresholds: plan.changes,
        unchanged: plan.unchanged,
        allowancesAdded,
        allowancesExpired: due.map((a) => ({
          ...a,
          endedAt: at.toISOString(),
          endReason: 'expired',
        })),
        reason,
        revert: null,
      };
      return tuning.applyRun({ run, consumedCaseIds: fresh.map((v) => v.caseId) });
    },

    async runTuningReplay({ replayId }): Promise<ReplayResult> {
      const request = await replays.request(replayId);
      if (!request) throw new Error(`no replay ${replayId}`);
      const started = Date.now();
      const current = await currentTable();
      const candidate = overlayThresholds(current, request.candidate);
      const allowances = await tuning.activeAllowances(now());
      const replay = new WhatIfReplay(
        current,
        candidate,
        new AllowanceIndex(allowanceRules(allowances)),
      );
      const heartbeat = (progress: ReplayProgress): Promise<void> => {
        try {
          Context.current().heartbeat(progress);
        } catch {
          // Outside an activity (tests calling it directly): nothing to beat.
        }
        return replays.progress(replayId, progress);
      };
      const rate = (n: number): number =>
        Math.round(n / Math.max(0.001, (Date.now() - started) / 1000));

      const identitiesSeen = new Set<string>();
      const cache = new IdentityCache(identities);
      let total: number;
      let states: Map<string, Baseline>;

      if (request.events) {
        const events = [...request.events].sort(
          (a, b) => Date.parse(a.time) - Date.parse(b.time) || (a.id < b.id ? -1 : 1),
        );
        total = events.length;
        const ids = [...new Set(events.map((e) => e.identityId))];
        states = new Map(
          [...(await baselines.load(ids))].map(([id, s]) => [id, Baseline.fromSnapshot(s)]),
        );
        await heartbeat({
          processed: 0,
          total,
          percent: 0,
          eventsPerSecond: 0,
          phase: 'replaying',
        });
        for (let i = 0; i < events.length; i += REPLAY_PAGE) {
          const page = events.slice(i, i + REPLAY_PAGE);
          await feed(replay, page, cache, states, identitiesSeen);
          const processed = Math.min(total, i + page.length);
          await heartbeat(progressOf(processed, total, rate(processed), 'replaying'));
        }
      } else {
        const from = new Date(request.from!);
        const to = request.to ? new Date(request.to) : null;
        total = await archive.count(from, to);
        states = await rewind(archive, baselines, from, heartbeat, total);
        let cursor = null;
        let processed = 0;
        for (;;) {
          const page = await archive.page(from, to, cursor, REPLAY_PAGE);
          if (page.events.length === 0) break;
          cursor = page.cursor;
          await feed(replay, page.events, cache, states, identitiesSeen);
          processed += page.events.length;
          await heartbeat(progressOf(processed, total, rate(processed), 'replaying'));
        }
        total = processed;
      }

      const truePositives = await confirmedCases(deps.dataSource, tuning, request, replay);
      const detectors = replay.results();
      const result: ReplayResult = {
        events: replay.eventsProcessed,
        identities: identitiesSeen.size,
        detectors,
        totals: {
          current: detectors.reduce((n, d) => n + d.current, 0),
          candidate: detectors.reduce((n, d) => n + d.candidate, 0),
        },
        missedTruePositives: truePositives.filter((t) => t.raisedByCurrent && !t.raisedByCandidate),
        truePositives,
        durationMs: Date.now() - started,
      };
      await replays.complete(
        replayId,
        progressOf(
          replay.eventsProcessed,
          replay.eventsProcessed,
          rate(replay.eventsProcessed),
          'done',
        ),
        result,
      );
      return result;
    },

    async failTuningReplay({ replayId, error }) {
      await replays.fail(replayId, error);
    },
  };
}

function progressOf(
  processed: number,
  total: number,
  eventsPerSecond: number,
  phase: ReplayProgress['phase'],
): ReplayProgress {
  const percent = total === 0 ? 100 : Math.min(100, Math.floor((processed / total) * 1000) / 10);
  return { processed, total, percent, eventsPerSecond, phase };
}

/** Identities by id, loaded once; one never registered replays as `unclassified`. */
class IdentityCache {
  private readonly known = new Map<string, Identity>();
  constructor(private readonly store: IdentityStore) {}

  async load(ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !this.known.has(id));
    if (missing.length === 0) return;
    const found = await this.store.getMany(missing);
    for (const id of missing) {
      this.known.set(
        id,
        found.get(id) ?? {
          id,
          ...UNCLASSIFIED_DEFAULTS,
          owner: null,
          team: null,
          vendor: null,
          environment: null,
          policy: EMPTY_POLICY,
        },
      );
    }
  }

  get(id: string): Identity {
    return this.known.get(id)!;
  }
}

async function feed(
  replay: WhatIfReplay,
  events: readonly TelemetryEvent[],
  identities: IdentityCache,
  states: Map<string, Baseline>,
  seen: Set<string>,
): Promise<void> {
  await identities.load([...new Set(events.map((e) => e.identityId))]);
  for (const event of events) {
    let baseline = states.get(event.identityId);
    if (!baseline) {
      baseline = new Baseline(event.identityId);
      states.set(event.identityId, baseline);
    }
    seen.add(event.identityId);
    replay.feed(event, identities.get(event.identityId), baseline);
  }
}

/**
 * Each identity's baseline as it stood at `from`: the stored baseline minus every retained
 * event from `from` on (the window and everything after it).
 */
async function rewind(
  archive: EventArchive,
  baselines: BaselineStore,
  from: Date,
  heartbeat: (progress: ReplayProgress) => Promise<void>,
  total: number,
): Promise<Map<string, Baseline>> {
  const added = new Map<string, Baseline>();
  let cursor = null;
  for (;;) {
    const page = await archive.page(from, null, cursor, REPLAY_PAGE);
    if (page.events.length === 0) break;
    cursor = page.cursor;
    for (const event of page.events) {
      let b = added.get(event.identityId);
      if (!b) {
        b = new Baseline(event.identityId);
        added.set(event.identityId, b);
      }
      b.absorb(event, Date.parse(event.time));
    }
    await heartbeat({ processed: 0, total, percent: 0, eventsPerSecond: 0, phase: 'rewinding' });
  }
  const snapshots = await baselines.load([...added.keys()]);
  const states = new Map<string, Baseline>();
  for (const [id, b] of added) {
    const delta = b.takeDelta();
    const snapshot = snapshots.get(id)!;
    states.set(
      id,
      Baseline.fromSnapshot(delta ? subtractDelta(snapshot, delta, from.getTime()) : snapshot),
    );
  }
  return states;
}

/** The window's confirmed cases raised by event detectors, and what each set does with them. */
async function confirmedCases(
  dataSource: DataSource,
  tuning: TuningStore,
  request: { readonly from: string | null; readonly to: string | null },
  replay: WhatIfReplay,
): Promise<ReplayTruePositive[]> {
  if (request.from === null) return [];
  const from = Date.parse(request.from);
  const to = request.to ? Date.parse(request.to) : Infinity;
  const detectors = new Set<string>(DETECTOR_KINDS);
  const window = await tuning.verdicts(new Date(from));
  const confirmed = window.verdicts.filter(
    (v) => v.disposition === 'true_positive' && detectors.has(v.detector),
  );
  if (confirmed.length === 0) return [];
  const cases = await dataSource.manager.find(CaseEntity, {
    select: { id: true, fingerprint: true, openedAt: true },
    where: { id: In(confirmed.map((v) => v.caseId)) },
  });
  const byId = new Map(cases.map((c) => [c.id, c]));
  const out: ReplayTruePositive[] = [];
  for (const v of confirmed) {
    const found = byId.get(v.caseId);
    if (!found) continue;
    const openedAt = new Date(found.openedAt).getTime();
    if (openedAt < from || openedAt >= to) continue;
    out.push({
      caseId: v.caseId,
      detector: v.detector,
      identityId: v.identityId,
      value: v.value,
      raisedByCurrent: replay.raisedByCurrent(found.fingerprint, v.detector),
      raisedByCandidate: replay.raisedByCandidate(found.fingerprint, v.detector),
    });
  }
  return out;
}
