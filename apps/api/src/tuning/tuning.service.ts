import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import {
  BASELINE_TUNING_WORKFLOW,
  EXCEPTION_KINDS,
  IDENTITY_KINDS,
  TUNING_REPLAY_WORKFLOW,
  isOneOf,
  type ExceptionKind,
  type IdentityKind,
  type ReplayRequest,
  type TelemetryEvent,
  type ThresholdSet,
  type TuningReplay,
  type TuningRun,
  type TuningRunInput,
} from '@vigil/contracts';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import { validateEvent } from '@vigil/domain';
import {
  EventArchive,
  ReplayStore,
  TuningRunAlreadyRevertedError,
  TuningRunNotFoundError,
  TuningStore,
} from '@vigil/persistence';
import { withTimeout } from '@vigil/temporal';
import { ApiError } from '../common/api-error';
import { ThresholdCache } from '../detectors/threshold-cache';
import { TEMPORAL_CLIENT } from '../temporal/temporal.module';
import { asUnavailable } from '../temporal/temporal-errors';
import type { ReplayRequestDto, TuningRunRequestDto } from './tuning.dto';

/** How long POST /v1/tuning/runs waits for the run before answering 202 with its id. */
const RUN_WAIT_MS = 20_000;
/** Events a supplied replay batch may hold. */
export const MAX_REPLAY_EVENTS = 5_000;
const DAY_MS = 86_400_000;

@Injectable()
export class TuningService {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
    private readonly tuning: TuningStore,
    private readonly replays: ReplayStore,
    private readonly archive: EventArchive,
    private readonly thresholds: ThresholdCache,
  ) {}

  /** Starts a run and waits for it briefly: the run when done, else its id (still running). */
  async startRun(
    dto: TuningRunRequestDto,
    actor: string,
  ): Promise<{ done: true; run: TuningRun } | { done: false; id: string }> {
    const id = `tuning-manual-${randomUUID()}`;
    const input: TuningRunInput = {
      trigger: 'manual',
      requestedBy: actor,
      ...(dto.targetPrecision !== undefined ? { targetPrecision: dto.targetPrecision } : {}),
    };
    const handle = await this.temporal(() =>
      this.client.workflow.start(BASELINE_TUNING_WORKFLOW, {
        workflowId: id,
        taskQueue: this.config.temporal.taskQueue,
        args: [input],
      }),
    );
    const finished = await Promise.race([
      handle.result().then(
        () => true,
        (error: unknown) => {
          if (error instanceof WorkflowFailedError) {
            throw new ApiError(
              500,
              'tuning_run_failed',
              `tuning run ${id} failed: ${error.message}`,
            );
          }
          return false;
        },
      ),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), RUN_WAIT_MS).unref()),
    ]);
    if (!finished) return { done: false, id };
    const run = await this.tuning.run(id);
    if (!run) return { done: false, id };
    this.thresholds.invalidate();
    return { done: true, run };
  }

  runs(limit: number): Promise<TuningRun[]> {
    return this.tuning.runs(limit);
  }

  async run(id: string): Promise<TuningRun> {
    const run = await this.tuning.run(id);
    if (!run) throw ApiError.notFound('tuning_run_not_found', `no tuning run ${id}`);
    return run;
  }

  async revert(id: string, actor: string): Promise<TuningRun> {
    try {
      const run = await this.tuning.revert(id, actor);
      this.thresholds.invalidate();
      return run;
    } catch (error) {
      if (error instanceof TuningRunNotFoundError) {
        throw ApiError.notFound(error.code, error.message);
      }
      if (error instanceof TuningRunAlreadyRevertedError) {
        throw ApiError.conflict(error.code, error.message);
      }
      throw error;
    }
  }

  async setExclusion(
    caseId: string,
    excluded: boolean,
    reason: string | null,
    actor: string,
  ): Promise<void> {
    if (!(await this.tuning.setExcluded(caseId, excluded, reason, actor))) {
      throw ApiError.notFound('verdict_not_found', `no verdict for case ${caseId}`);
    }
  }

  /** Validates and records a replay, then starts its workflow. */
  async startReplay(dto: ReplayRequestDto, actor: string): Promise<TuningReplay> {
    const candidate = parseThresholdSet(dto.thresholds);
    const nowMs = Date.now();
    let events: TelemetryEvent[] | null = null;
    let total: number;
    let from: string | null = null;
    let to: string | null = null;
    if (dto.events !== undefined) {
      if (dto.from !== undefined || dto.to !== undefined) {
        throw ApiError.validation('events', 'give either events or a from/to window, not both');
      }
      if (dto.events.length === 0 || dto.events.length > MAX_REPLAY_EVENTS) {
        throw ApiError.validation('events', `events must hold 1-${MAX_REPLAY_EVENTS} events`);
      }
      events = dto.events.map((raw, index) => {
        const checked = validateEvent(raw, index, nowMs);
        if (!checked.ok)
          throw ApiError.validation(checked.rejection.field, checked.rejection.message);
        return checked.event;
      });
      total = events.length;
    } else {
      if (dto.from === undefined) {
        throw ApiError.validation('from', 'from is required (or give events to replay)');
      }
      const fromMs = Date.parse(dto.from);
      const toMs = dto.to !== undefined ? Date.parse(dto.to) : null;
      if (toMs !== null && toMs <= fromMs) throw ApiError.validation('to', 'to must be after from');
      const oldest = nowMs - this.config.schedules.eventRetentionDays * DAY_MS;
      if (fromMs < oldest) {
        throw ApiError.validation(
          'from',
          `from must be within the ${this.config.schedules.eventRetentionDays}-day event retention window (on or after ${new Date(oldest).toISOString()})`,
        );
      }
      from = new Date(fromMs).toISOString();
      to = toMs === null ? null : new Date(toMs).toISOString();
      total = await this.archive.count(new Date(fromMs), toMs === null ? null : new Date(toMs));
    }
    const request: ReplayRequest = {
      from,
      to,
      events,
      candidate,
      requestedBy: actor,
    };
    const id = `replay-${randomUUID()}`;
    const replay = await this.replays.create(id, request, total);
    try {
      await this.temporal(() =>
        this.client.workflow.start(TUNING_REPLAY_WORKFLOW, {
          workflowId: id,
          taskQueue: this.config.temporal.taskQueue,
          args: [{ replayId: id }],
        }),
      );
    } catch (error) {
      await this.replays.fail(
        id,
        'the replay could not be started: the workflow service is unavailable',
      );
      throw error;
    }
    return replay;
  }

  async replay(id: string): Promise<TuningReplay> {
    const replay = await this.replays.get(id);
    if (!replay) throw ApiError.notFound('replay_not_found', `no replay ${id}`);
    return replay;
  }

  private async temporal<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(this.client, call);
    } catch (error) {
      throw asUnavailable(error) ?? error;
    }
  }
}

/** A candidate set: detector kinds and identity kinds from the vocabulary, values in [0, 1]. */
export function parseThresholdSet(raw: {
  global: Record<string, unknown>;
  byIdentityKind?: Record<string, unknown>;
}): ThresholdSet {
  const global = parseThresholds(raw.global, 'thresholds.global');
  const byIdentityKind: Partial<Record<IdentityKind, Partial<Record<ExceptionKind, number>>>> = {};
  for (const [kind, value] of Object.entries(raw.byIdentityKind ?? {})) {
    const field = `thresholds.byIdentityKind.${kind}`;
    if (!isOneOf(IDENTITY_KINDS, kind)) {
      throw ApiError.validation(
        field,
        `${kind} is not an identity kind (${IDENTITY_KINDS.join(', ')})`,
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw ApiError.validation(field, 'must be an object of detector → number');
    }
    byIdentityKind[kind] = parseThresholds(value as Record<string, unknown>, field);
  }
  return { global, byIdentityKind };
}

function parseThresholds(
  raw: Record<string, unknown>,
  field: string,
): Partial<Record<ExceptionKind, number>> {
  const out: Partial<Record<ExceptionKind, number>> = {};
  for (const [kind, value] of Object.entries(raw)) {
    if (!isOneOf(EXCEPTION_KINDS, kind)) {
      throw ApiError.validation(
        `${field}.${kind}`,
        `${kind} is not a detector; see GET /v1/detectors`,
      );
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw ApiError.validation(`${field}.${kind}`, 'threshold must be a number from 0 to 1');
    }
    out[kind] = value;
  }
  return out;
}
