import type { Principal } from '@vigil/contracts';
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
  commentSignal,
  decideUpdate,
  requestRemediationUpdate,
  stateQuery,
  type CaseView,
  type DecisionInput,
  type RemediationRequestInput,
} from '@vigil/contracts';
import { FINGERPRINT_PATTERN } from '@vigil/domain';
import { withTimeout } from '@vigil/temporal';
import { ApiError } from '../common/api-error';
import { TEMPORAL_CLIENT } from '../temporal/temporal.module';
import { asUnavailable, isNotFound } from '../temporal/temporal-errors';
import { CaseReader, viewOfState } from './case-reader';
import type { CommentDto, DecisionDto, RemediationRequestDto } from './dto/decision.dto';

/** Long enough for the workflow to record the outcome before it answers. */
const DECISION_TIMEOUT_MS = 30_000;

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a case lives in Temporal. */
interface CaseLocation {
  readonly caseId: string;
  readonly workflowId: string;
  /** The first run id of the chain that holds the case, when it is known to be the case id. */
  readonly firstRunId: string | null;
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

  async decide(id: string, dto: DecisionDto, by: Principal): Promise<CaseView> {
    const location = await this.locateOpen(id);
    const input: DecisionInput = {
      decision: dto.decision,
      actor: by.actor,
      role: by.role,
      keyId: by.keyId,
      ...(dto.comment !== undefined ? { comment: dto.comment } : {}),
      ...(dto.acceptRiskDays !== undefined ? { acceptRiskDays: dto.acceptRiskDays } : {}),
      ...(dto.excludeFromLearning !== undefined
        ? { excludeFromLearning: dto.excludeFromLearning }
        : {}),
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

  /** Proposes a playbook for approval; whoever proposes it cannot approve it. */
  async requestRemediation(
    id: string,
    dto: RemediationRequestDto,
    by: Principal,
  ): Promise<CaseView> {
    const location = await this.locateOpen(id);
    const input: RemediationRequestInput = {
      playbookId: dto.playbookId,
      actor: by.actor,
      role: by.role,
      keyId: by.keyId,
      ...(dto.comment !== undefined ? { comment: dto.comment } : {}),
    };
    try {
      await withTimeout(this.client, () =>
        this.handleOf(location).executeUpdate(requestRemediationUpdate, { args: [input] }),
      );
    } catch (error) {
      throw this.decisionError(error);
    }
    return this.get(location.caseId);
  }

  /** Adds a comment to the case's timeline (a signal: accepted once Temporal has it). */
  async comment(id: string, dto: CommentDto, by: Principal): Promise<void> {
    const location = await this.locateOpen(id);
    await this.guard(() =>
      this.handleOf(location).signal(commentSignal, {
        actor: by.actor,
        text: dto.text,
      }),
    );
  }

  /** Where a case that can still change lives; 409 when it is closed. */
  private async locateOpen(id: string): Promise<CaseLocation> {
    const recorded = await this.reader.find(id);
    const location = recorded
      ? {
          caseId: recorded.id,
          workflowId: recorded.workflowId,
          firstRunId: recorded.review ? null : recorded.id,
        }
      : await this.locateInTemporal(id);
    if (recorded?.status === 'resolved' && recorded.acceptedUntil === null) {
      throw notAwaiting(`case is resolved as ${recorded.resolution}`);
    }
    return location;
  }

  private decisionError(error: unknown): unknown {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      const { type, message } = error.cause;
      if (type === DECISION_REJECTIONS.notAwaitingDecision) return notAwaiting(message);
      if (type === DECISION_REJECTIONS.notAllowed) {
        return ApiError.conflict('decision_not_allowed', message);
      }
      if (type === DECISION_REJECTIONS.invalid) return ApiError.validation('body', message);
      if (type === DECISION_REJECTIONS.roleNotAllowed) {
        return new ApiError(403, 'role_not_allowed', message);
      }
      if (type === DECISION_REJECTIONS.actorUnverified) {
        return new ApiError(403, 'actor_not_verified', message);
      }
      if (type === DECISION_REJECTIONS.sameActor) {
        return ApiError.conflict('another_person_required', message);
      }
      if (type === 'PlaybookNotFound') return ApiError.notFound('playbook_not_found', message);
    }
    // The run closed between the lookup and the update.
    if (isNotFound(error)) return notAwaiting('case is already closed');
    return asUnavailable(error) ?? error;
  }

  private handleOf(location: CaseLocation): WorkflowHandle {
    return this.client.workflow.getHandle(
      location.workflowId,
      undefined,
      location.firstRunId ? { firstExecutionRunId: location.firstRunId } : undefined,
    );
  }

  /** Finds a case the read model has not recorded yet (its worker may not have run). */
  private async locateInTemporal(id: string): Promise<CaseLocation> {
    if (id.startsWith('case-') && FINGERPRINT_PATTERN.test(id.slice('case-'.length))) {
      const description = await this.guard(() => this.client.workflow.getHandle(id).describe());
      const firstRunId = description.raw.workflowExecutionInfo?.firstRunId || description.runId;
      const reviewCaseId = description.memo?.caseId;
      return typeof reviewCaseId === 'string'
        ? { caseId: reviewCaseId, workflowId: id, firstRunId: null }
        : { caseId: firstRunId, workflowId: id, firstRunId };
    }
    if (RUN_ID.test(id)) {
      const found = await this.guard(async () => {
        for await (const execution of this.client.workflow.list({ query: `RunId = "${id}"` })) {
          return execution;
        }
        return undefined;
      });
      if (found) return { caseId: id, workflowId: found.workflowId, firstRunId: id };
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
