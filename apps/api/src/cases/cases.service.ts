import { Inject, Injectable } from '@nestjs/common';
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  DECISION_REJECTIONS,
  decideUpdate,
  stateQuery,
  type CaseView,
  type DecisionInput,
} from '@vigil/contracts';
import { FINGERPRINT_PATTERN } from '@vigil/domain';
import { withTimeout } from '@vigil/temporal';
import { API_ACTOR } from '../common/actor';
import { ApiError } from '../common/api-error';
import { TEMPORAL_CLIENT } from '../temporal/temporal.module';
import { asUnavailable, isNotFound } from '../temporal/temporal-errors';
import { CaseReader, viewOfState } from './case-reader';
import type { DecisionDto } from './dto/decision.dto';

/** Long enough for the workflow to record the outcome before it answers. */
const DECISION_TIMEOUT_MS = 30_000;

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a case lives in Temporal. */
interface CaseLocation {
  readonly caseId: string;
  readonly workflowId: string;
}

@Injectable()
export class CasesService {
  constructor(
    private readonly reader: CaseReader,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
  ) {}

  /** A case by case id, or the latest case of a workflow id (`case-<fingerprint>`). */
  async get(id: string): Promise<CaseView> {
    const recorded = await this.reader.find(id);
    if (recorded) return recorded;
    const location = await this.locateInTemporal(id);
    const state = await this.guard(() => this.handleOf(location).query(stateQuery));
    return viewOfState(state, new Date());
  }

  async decide(id: string, dto: DecisionDto): Promise<CaseView> {
    const recorded = await this.reader.find(id);
    const location = recorded
      ? { caseId: recorded.id, workflowId: recorded.workflowId }
      : await this.locateInTemporal(id);
    if (recorded?.status === 'resolved')
      throw notAwaiting(`case is resolved as ${recorded.resolution}`);
    const input: DecisionInput = {
      decision: dto.decision,
      actor: dto.actor ?? API_ACTOR,
      ...(dto.comment !== undefined ? { comment: dto.comment } : {}),
    };
    try {
      await withTimeout(
        this.client,
        () => this.handleOf(location).executeUpdate(decideUpdate, { args: [input] }),
        DECISION_TIMEOUT_MS,
      );
    } catch (error) {
      throw this.decisionError(error);
    }
    return this.get(location.caseId);
  }

  private decisionError(error: unknown): unknown {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      const { type, message } = error.cause;
      if (type === DECISION_REJECTIONS.notAwaitingDecision) return notAwaiting(message);
      if (type === DECISION_REJECTIONS.notAllowed) {
        return ApiError.conflict('decision_not_allowed', message);
      }
      if (type === DECISION_REJECTIONS.invalid) return ApiError.validation('body', message);
    }
    // The run closed between the lookup and the update.
    if (isNotFound(error)) return notAwaiting('case is already closed');
    return asUnavailable(error) ?? error;
  }

  private handleOf(location: CaseLocation): WorkflowHandle {
    return this.client.workflow.getHandle(location.workflowId, undefined, {
      firstExecutionRunId: location.caseId,
    });
  }

  /** Finds a case the read model has not recorded yet (its worker may not have run). */
  private async locateInTemporal(id: string): Promise<CaseLocation> {
    if (id.startsWith('case-') && FINGERPRINT_PATTERN.test(id.slice('case-'.length))) {
      const description = await this.guard(() => this.client.workflow.getHandle(id).describe());
      const caseId = description.raw.workflowExecutionInfo?.firstRunId || description.runId;
      return { caseId, workflowId: id };
    }
    if (RUN_ID.test(id)) {
      const found = await this.guard(async () => {
        for await (const execution of this.client.workflow.list({ query: `RunId = "${id}"` })) {
          return execution;
        }
        return undefined;
      });
      if (found) return { caseId: id, workflowId: found.workflowId };
    }
    throw ApiError.notFound('case_not_found', `no case with id ${id}`);
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(this.client, call);
    } catch (error) {
      if (isNotFound(error) || error instanceof WorkflowNotFoundError) {
        throw ApiError.notFound('case_not_found', 'no such case');
      }
      throw asUnavailable(error) ?? error;
    }
  }
}

function notAwaiting(message: string): ApiError {
  return ApiError.conflict('case_not_awaiting_decision', message);
}
