import { In, IsNull, LessThanOrEqual, MoreThan, MoreThanOrEqual, type DataSource } from 'typeorm';
import type {
  Allowance,
  AllowanceEnding,
  ExceptionKind,
  IdentityKind,
  ReplayProgress,
  ReplayRequest,
  ReplayResult,
  ThresholdChange,
  TuningReplay,
  TuningRevert,
  TuningRun,
  Verdict,
} from '@vigil/contracts';
import {
  BaselineAllowanceEntity,
  CaseEntity,
  DetectorFeedbackEntity,
  DetectorThresholdEntity,
  IdentityKindThresholdEntity,
  TuningReplayEntity,
  TuningRunEntity,
} from '../entities';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditLog } from './audit-log';
import { writeTransaction } from './sql';

/** Stored threshold overrides: per detector, and per identity kind. */
export interface StoredThresholds {
  readonly global: Partial<Record<ExceptionKind, number>>;
  readonly byIdentityKind: Partial<Record<IdentityKind, Partial<Record<ExceptionKind, number>>>>;
}

/** The verdicts of a tuning window. */
export interface VerdictWindow {
  readonly verdicts: ReadonlyArray<Verdict & { readonly tuningRunId: string | null }>;
  readonly excluded: number;
}

/** What one run writes, all in one transaction with its record. */
export interface TuningRunWrite {
  readonly run: TuningRun;
  /** Verdicts the run read for the first time. */
  readonly consumedCaseIds: readonly string[];
}

export class TuningRunNotFoundError extends Error {
  readonly code = 'tuning_run_not_found';
  constructor(readonly runId: string) {
    super(`no tuning run ${runId}`);
  }
}

export class TuningRunAlreadyRevertedError extends Error {
  readonly code = 'tuning_run_already_reverted';
  constructor(readonly runId: string) {
    super(`tuning run ${runId} was already reverted`);
  }
}

export function allowanceOf(row: BaselineAllowanceEntity): Allowance {
  return {
    id: row.id,
    identityId: row.identityId,
    detector: row.detector,
    dimension: row.dimension,
    value: row.value,
    source: row.source,
    caseId: row.caseId,
    runId: row.runId,
    reason: row.reason,
    createdAt: new Date(row.createdAt).toISOString(),
    expiresAt: new Date(row.expiresAt).toISOString(),
    endedAt: row.endedAt ? new Date(row.endedAt).toISOString() : null,
    endReason: row.endReason,
  };
}

function rowOfAllowance(allowance: Allowance): BaselineAllowanceEntity {
  return {
    id: allowance.id,
    identityId: allowance.identityId,
    detector: allowance.detector,
    dimension: allowance.dimension,
    value: allowance.value,
    source: allowance.source,
    caseId: allowance.caseId,
    runId: allowance.runId,
    reason: allowance.reason.slice(0, 1000),
    createdAt: new Date(allowance.createdAt),
    expiresAt: new Date(allowance.expiresAt),
    endedAt: allowance.endedAt ? new Date(allowance.endedAt) : null,
    endReason: allowance.endReason,
  };
}

/**
 * Verdicts, thresholds per identity kind, allowances and tuning runs. A run is applied in one
 * transaction keyed by its id: applying the same run twice changes nothing the second time.
 */
export class TuningStore {
  private readonly audit: AuditLog;

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.audit = new AuditLog(dataSource, { now });
  }

  async thresholds(): Promise<StoredThresholds> {
    const [global, byKind] = await Promise.all([
      this.dataSource.manager.find(DetectorThresholdEntity),
      this.dataSource.manager.find(IdentityKindThresholdEntity),
    ]);
    const byIdentityKind: Partial<Record<IdentityKind, Partial<Record<ExceptionKind, number>>>> =
      {};
    for (const row of byKind) {
      const kind = row.identityKind as IdentityKind;
      (byIdentityKind[kind] ??= {})[row.detector] = row.threshold;
    }
    return {
      global: Object.fromEntries(global.map((r) => [r.detector, r.threshold])),
      byIdentityKind,
    };
  }

  /** Judged verdicts at or after `since`; those excluded as bad data are only counted. */
  async verdicts(since: Date): Promise<VerdictWindow> {
    const rows = await this.dataSource.manager.find(DetectorFeedbackEntity, {
      where: { at: MoreThanOrEqual(since) },
      order: { at: 'ASC', caseId: 'ASC' },
    });
    const kept = rows.filter((r) => !r.excluded);
    return {
      excluded: rows.length - kept.length,
      verdicts: kept.map((r) => ({
        caseId: r.caseId,
        detector: r.detector,
        identityId: r.identityId,
        identityKind: (r.identityKind as IdentityKind | null) ?? null,
        disposition: r.disposition,
        score: r.score,
        dimension: r.dimension,
        value: r.value,
        at: new Date(r.at).toISOString(),
        tuningRunId: r.tuningRunId,
      })),
    };
  }

  /** Marks a verdict as bad data (left out of tuning), or takes the mark back. */
  async setExcluded(
    caseId: string,
    excluded: boolean,
    reason: string | null,
    actor: string,
  ): Promise<boolean> {
    return writeTransaction(this.dataSource, async (manager) => {
      const result = await manager.update(
        DetectorFeedbackEntity,
        { caseId },
        { excluded, exclusionReason: excluded ? (reason?.slice(0, 500) ?? null) : null },
      );
      if ((result.affected ?? 0) === 0) return false;
      await this.audit.append(
        {
          actor,
          action: excluded ? 'tuning.verdict_excluded' : 'tuning.verdict_included',
          subjectType: 'case',
          subjectId: caseId,
          details: { reason: excluded ? (reason?.slice(0, 500) ?? null) : null },
        },
        manager,
      );
      return true;
    });
  }

  /** Cases opened since `since`, by exception kind. */
  async caseVolume(since: Date): Promise<Map<string, number>> {
    const rows = await this.dataSource.manager
      .createQueryBuilder(CaseEntity, 'c')
      .select('c.kind', 'kind')
      .addSelect('COUNT(*)', 'count')
      .where('c.openedAt >= :since', { since })
      .groupBy('c.kind')
      .getRawMany<{ kind: string; count: string | number }>();
    return new Map(rows.map((r) => [r.kind, Number(r.count)]));
  }

  async activeAllowances(at: Date = this.now()): Promise<Allowance[]> {
    const rows = await this.dataSource.manager.find(BaselineAllowanceEntity, {
      where: { endedAt: IsNull(), expiresAt: MoreThan(at) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return rows.map(allowanceOf);
  }

  async allowancesOf(identityId: string): Promise<Allowance[]> {
    const rows = await this.dataSource.manager.find(BaselineAllowanceEntity, {
      where: { identityId },
      order: { createdAt: 'DESC', id: 'ASC' },
    });
    return rows.map(allowanceOf);
  }

  /** Adds an allowance unless one with its id exists (idempotent). */
  async addAllowance(allowance: Allowance): Promise<void> {
    await writeTransaction(this.dataSource, async (manager) => {
      await manager
        .createQueryBuilder()
        .insert()
        .into(BaselineAllowanceEntity)
        .values(rowOfAllowance(allowance))
        .orIgnore()
        .execute();
    });
  }

  /** Ends the case's active allowances (an accepted risk that lapsed); returns them. */
  async endAllowancesOfCase(caseId: string, reason: AllowanceEnding): Promise<Allowance[]> {
    return writeTransaction(this.dataSource, async (manager) => {
      const rows = await manager.find(BaselineAllowanceEntity, {
        where: { caseId, endedAt: IsNull() },
      });
      const endedAt = this.now();
      for (const row of rows) {
        await manager.update(
          BaselineAllowanceEntity,
          { id: row.id },
          { endedAt, endReason: reason },
        );
      }
      await this.audit.appendMany(
        rows.map((row) => ({
          actor: 'system',
          action: 'tuning.allowance_ended',
          subjectType: 'identity',
          subjectId: row.identityId,
          details: { allowanceId: row.id, caseId, reason, detector: row.detector },
          key: `allowance:${row.id}:ended`,
          at: endedAt,
        })),
        manager,
      );
      return rows.map((row) => allowanceOf({ ...row, endedAt, endReason: reason }));
    });
  }

  /** Allowances whose expiry passed and that are not yet marked ended. */
  async dueAllowances(at: Date): Promise<Allowance[]> {
    const rows = await this.dataSource.manager.find(BaselineAllowanceEntity, {
      where: { endedAt: IsNull(), expiresAt: LessThanOrEqual(at) },
    });
    return rows.map(allowanceOf);
  }

  /** Case ids that already have an allowance (so a verdict does not add a second). */
  async casesWithAllowances(caseIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < caseIds.length; i += 500) {
      const rows = await this.dataSource.manager.find(BaselineAllowanceEntity, {
        select: { caseId: true },
        where: { caseId: In(caseIds.slice(i, i + 500)) },
      });
      for (const row of rows) if (row.caseId) found.add(row.caseId);
    }
    return found;
  }

  async run(id: string): Promise<TuningRun | null> {
    const row = await this.dataSource.manager.findOne(TuningRunEntity, { where: { id } });
    return row ? row.record : null;
  }

  /** Newest first. */
  async runs(limit: number): Promise<TuningRun[]> {
    const rows = await this.dataSource.manager.find(TuningRunEntity, {
      order: { finishedAt: 'DESC', id: 'DESC' },
      take: limit,
    });
    return rows.map((row) => row.record);
  }

  /** The latest applied or reverted run, if any. */
  async latestRun(): Promise<TuningRun | null> {
    const [latest] = await this.runs(1);
    return latest ?? null;
  }

  /**
   * Applies a run: thresholds, allowances added and expired, verdicts marked as read, and
   * the record, atomically. A run already recorded is returned as it was.
   */
  async applyRun(write: TuningRunWrite): Promise<TuningRun> {
    const { run } = write;
    return writeTransaction(this.dataSource, async (manager) => {
      const existing = await manager.findOne(TuningRunEntity, { where: { id: run.id } });
      if (existing) return existing.record;
      const at = new Date(run.finishedAt);
      for (const change of run.thresholds) {
        await writeThreshold(
          manager,
          change.detector,
          change.identityKind,
          change.after,
          at,
          run.id,
        );
      }
      for (const allowance of run.allowancesAdded) {
        await manager
          .createQueryBuilder()
          .insert()
          .into(BaselineAllowanceEntity)
          .values(rowOfAllowance(allowance))
          .orIgnore()
          .execute();
      }
      for (const allowance of run.allowancesExpired) {
        await manager.update(
          BaselineAllowanceEntity,
          { id: allowance.id, endedAt: IsNull() },
          { endedAt: at, endReason: 'expired' },
        );
      }
      for (let i = 0; i < write.consumedCaseIds.length; i += 500) {
        await manager.update(
          DetectorFeedbackEntity,
          { caseId: In(write.consumedCaseIds.slice(i, i + 500)), tuningRunId: IsNull() },
          { tuningRunId: run.id },
        );
      }
      await manager.insert(TuningRunEntity, {
        id: run.id,
        status: run.status,
        startedAt: new Date(run.startedAt),
        finishedAt: at,
        record: run,
      });
      await this.audit.append(
        {
          actor: run.inputs.requestedBy,
          action: 'tuning.run_applied',
          subjectType: 'tuning_run',
          subjectId: run.id,
          details: {
            trigger: run.inputs.trigger,
            reason: run.reason,
            thresholds: run.thresholds,
            allowancesAdded: run.allowancesAdded.map((a) => a.id),
            allowancesExpired: run.allowancesExpired.map((a) => a.id),
            verdictsRead: write.consumedCaseIds.length,
          },
          key: `tuning-run:${run.id}`,
          at,
        },
        manager,
      );
      return run;
    });
  }

  /**
   * Undoes a run: each threshold it moved goes back to its value before the run, unless it
   * changed again since (then it is left and listed as skipped); the allowances it added end
   * as reverted; those it expired come back if their expiry is still ahead.
   */
  async revert(id: string, actor: string): Promise<TuningRun> {
    return writeTransaction(this.dataSource, async (manager) => {
      const row = await manager.findOne(TuningRunEntity, { where: { id } });
      if (!row) throw new TuningRunNotFoundError(id);
      if (row.status === 'reverted') throw new TuningRunAlreadyRevertedError(id);
      const at = this.now();
      const current = await currentThresholds(manager);
      const restored: Array<TuningRevert['restored'][number]> = [];
      const skipped: Array<TuningRevert['skipped'][number]> = [];
      for (const change of row.record.thresholds) {
        const key = thresholdKey(change.detector, change.identityKind);
        const now = current.get(key) ?? null;
        if (now !== change.after) {
          skipped.push({
            detector: change.detector,
            identityKind: change.identityKind,
            reason: `changed since the run (now ${now ?? 'the detector default'})`,
          });
          continue;
        }
        await writeThreshold(
          manager,
          change.detector,
          change.identityKind,
          change.before,
          at,
          actor,
        );
        restored.push({
          detector: change.detector,
          identityKind: change.identityKind,
          threshold: change.before,
        });
      }
      let allowancesRemoved = 0;
      for (const allowance of row.record.allowancesAdded) {
        const result = await manager.update(
          BaselineAllowanceEntity,
          { id: allowance.id, endedAt: IsNull() },
          { endedAt: at, endReason: 'reverted' },
        );
        allowancesRemoved += result.affected ?? 0;
      }
      let allowancesRestored = 0;
      for (const allowance of row.record.allowancesExpired) {
        if (new Date(allowance.expiresAt) <= at) continue;
        const result = await manager.update(
          BaselineAllowanceEntity,
          { id: allowance.id, endReason: 'expired' },
          { endedAt: null, endReason: null },
        );
        allowancesRestored += result.affected ?? 0;
      }
      const record: TuningRun = {
        ...row.record,
        status: 'reverted',
        revert: {
          at: at.toISOString(),
          by: actor,
          restored,
          skipped,
          allowancesRemoved,
          allowancesRestored,
        },
      };
      await manager.update(TuningRunEntity, { id }, { status: 'reverted', record });
      await this.audit.append(
        {
          actor,
          action: 'tuning.run_reverted',
          subjectType: 'tuning_run',
          subjectId: id,
          details: { ...record.revert },
          key: `tuning-run:${id}:reverted`,
          at,
        },
        manager,
      );
      return record;
    });
  }
}

function thresholdKey(detector: ExceptionKind, identityKind: IdentityKind | null): string {
  return `${detector}|${identityKind ?? '*'}`;
}

async function currentThresholds(
  manager: import('typeorm').EntityManager,
): Promise<Map<string, number>> {
  const map = new Map<string, number>();
  for (const row of await manager.find(DetectorThresholdEntity)) {
    map.set(thresholdKey(row.detector as ExceptionKind, null), row.threshold);
  }
  for (const row of await manager.find(IdentityKindThresholdEntity)) {
    map.set(thresholdKey(row.detector, row.identityKind as IdentityKind), row.threshold);
  }
  return map;
}

/** Sets a threshold; null removes the override (detector default, or the detector's for a kind). */
async function writeThreshold(
  manager: import('typeorm').EntityManager,
  detector: ExceptionKind,
  identityKind: IdentityKind | null,
  threshold: number | null,
  at: Date,
  by: string,
): Promise<void> {
  if (identityKind === null) {
    if (threshold === null) await manager.delete(DetectorThresholdEntity, { detector });
    else
      await manager.upsert(
        DetectorThresholdEntity,
        { detector, threshold, updatedAt: at, updatedBy: by.slice(0, 200) },
        ['detector'],
      );
    return;
  }
  if (threshold === null) {
    await manager.delete(IdentityKindThresholdEntity, { detector, identityKind });
  } else {
    await manager.upsert(
      IdentityKindThresholdEntity,
      { detector, identityKind, threshold, updatedAt: at, updatedBy: by.slice(0, 200) },
      ['detector', 'identityKind'],
    );
  }
}

export type { ThresholdChange };

/** What-if replays: created by the API, advanced by the replay activity, read while running. */
export class ReplayStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(id: string, request: ReplayRequest, total: number): Promise<TuningReplay> {
    const at = this.now();
    const row: TuningReplayEntity = {
      id,
      status: 'running',
      request,
      progress: { processed: 0, total, percent: 0, eventsPerSecond: 0, phase: 'rewinding' },
      result: null,
      error: null,
      requestedAt: at,
      updatedAt: at,
    };
    await writeTransaction(this.dataSource, (manager) =>
      manager.insert(TuningReplayEntity, row as QueryDeepPartialEntity<TuningReplayEntity>),
    );
    return replayOf(row);
  }

  async get(id: string): Promise<TuningReplay | null> {
    const row = await this.dataSource.manager.findOne(TuningReplayEntity, { where: { id } });
    return row ? replayOf(row) : null;
  }

  async request(id: string): Promise<ReplayRequest | null> {
    const row = await this.dataSource.manager.findOne(TuningReplayEntity, { where: { id } });
    return row ? row.request : null;
  }

  async progress(id: string, progress: ReplayProgress): Promise<void> {
    await writeTransaction(this.dataSource, (manager) =>
      manager.update(
        TuningReplayEntity,
        { id, status: 'running' },
        { progress, updatedAt: this.now() },
      ),
    );
  }

  async complete(id: string, progress: ReplayProgress, result: ReplayResult): Promise<void> {
    await writeTransaction(this.dataSource, (manager) =>
      manager.update(
        TuningReplayEntity,
        { id },
        { status: 'completed', progress, result, error: null, updatedAt: this.now() },
      ),
    );
  }

  async fail(id: string, error: string): Promise<void> {
    await writeTransaction(this.dataSource, (manager) =>
      manager.update(
        TuningReplayEntity,
        { id, status: 'running' },
        { status: 'failed', error: error.slice(0, 2000), updatedAt: this.now() },
      ),
    );
  }
}

function replayOf(row: TuningReplayEntity): TuningReplay {
  const { events, ...request } = row.request;
  return {
    id: row.id,
    status: row.status,
    request: { ...request, suppliedEvents: events?.length ?? 0 },
    progress: row.progress,
    result: row.result,
    error: row.error,
    requestedAt: new Date(row.requestedAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
