import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import {
  BASELINE_TUNING_WORKFLOW,
  EVENT_RETENTION_WORKFLOW,
  IDENTITY_SWEEP_WORKFLOW,
  SCHEDULE_IDS,
  SWEEP_KINDS,
  type EventRetentionInput,
  type SweepInput,
  type TuningRunInput,
} from '@vigil/contracts';
import { withTimeout } from './connection';

/** One Schedule Vigil keeps: what it starts and how often; a null interval means off. */
export interface VigilSchedule {
  readonly scheduleId: string;
  readonly workflowType: string;
  readonly args: readonly unknown[];
  readonly everyMs: number | null;
  /** Prefix of the id of each workflow it starts (Temporal appends the start time). */
  readonly workflowIdPrefix: string;
}

export interface ScheduleIntervals {
  readonly tuningIntervalMs: number | null;
  readonly sweepIntervalMs: number | null;
  readonly retentionIntervalMs: number | null;
  readonly eventRetentionDays: number;
}

/** Every Schedule, with its arguments, from the worker's settings. */
export function vigilSchedules(settings: ScheduleIntervals): VigilSchedule[] {
  const tuning: TuningRunInput = { trigger: 'schedule', requestedBy: 'schedule' };
  const retention: EventRetentionInput = { retentionDays: settings.eventRetentionDays };
  return [
    {
      scheduleId: SCHEDULE_IDS.tuning,
      workflowType: BASELINE_TUNING_WORKFLOW,
      args: [tuning],
      everyMs: settings.tuningIntervalMs,
      workflowIdPrefix: 'tuning-scheduled',
    },
    {
      scheduleId: SCHEDULE_IDS.retention,
      workflowType: EVENT_RETENTION_WORKFLOW,
      args: [retention],
      everyMs: settings.retentionIntervalMs,
      workflowIdPrefix: 'retention',
    },
    ...SWEEP_KINDS.map((sweep): VigilSchedule => ({
      scheduleId: SCHEDULE_IDS.sweep(sweep),
      workflowType: IDENTITY_SWEEP_WORKFLOW,
      args: [{ sweep } satisfies SweepInput],
      everyMs: settings.sweepIntervalMs,
      workflowIdPrefix: `sweep-${sweep}`,
    })),
  ];
}

export interface ScheduleSync {
  readonly created: string[];
  readonly updated: string[];
  readonly deleted: string[];
}

/**
 * Brings the namespace's Schedules in line with the settings: creates missing ones, updates
 * the interval and action of existing ones, deletes those switched off. Safe to run from
 * every worker at every start; a run missed while the cluster was down is skipped rather
 * than caught up in a burst, and a run still going when the next is due is not doubled.
 */
export async function syncSchedules(
  client: Client,
  taskQueue: string,
  schedules: readonly VigilSchedule[],
): Promise<ScheduleSync> {
  const result: ScheduleSync = { created: [], updated: [], deleted: [] };
  for (const schedule of schedules) {
    const handle = client.schedule.getHandle(schedule.scheduleId);
    if (schedule.everyMs === null) {
      try {
        await withTimeout(client, () => handle.delete());
        result.deleted.push(schedule.scheduleId);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      continue;
    }
    const options = scheduleOptions(schedule, taskQueue);
    try {
      await withTimeout(client, () =>
        client.schedule.create({ scheduleId: schedule.scheduleId, ...options }),
      );
      result.created.push(schedule.scheduleId);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await withTimeout(client, () =>
        handle.update((previous) => ({ ...options, state: previous.state })),
      );
      result.updated.push(schedule.scheduleId);
    }
  }
  return result;
}

function scheduleOptions(
  schedule: VigilSchedule,
  taskQueue: string,
): Omit<ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<Workflow>>, 'state'> {
  return {
    spec: { intervals: [{ every: schedule.everyMs ?? 0 }] },
    action: {
      type: 'startWorkflow',
      workflowType: schedule.workflowType,
      workflowId: schedule.workflowIdPrefix,
      taskQueue,
      args: [...schedule.args],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
  };
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'ScheduleNotFoundError' || /not found/i.test(error.message))
  );
}
