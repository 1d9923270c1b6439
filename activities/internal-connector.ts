import { ApplicationFailure } from '@temporalio/common';
import type { DataSource, EntityManager } from 'typeorm';
import {
  REMEDIATION_FAILURES,
  type RemediationStepRequest,
  type RemediationStepResult,
  type VerificationResult,
} from '@vigil/contracts';
import { INTERNAL_ACTION_PARAMS, isInternalAction, type InternalAction } from '@vigil/domain';
import {
  IDEMPOTENCY_KEY_LENGTH,
  IdentityEntity,
  RESTRICTION_VALUE_LENGTH,
  RemediationLedger,
  RestrictionStore,
  writeTransaction,
  type RemediationActionEntity,
  type RestrictionKind,
} from '@vigil/persistence';
import type { RemediationConnector } from './connectors';

export interface InternalConnectorDeps {
  readonly dataSource: DataSource;
  readonly now?: () => Date;
}

/** Recorded as the author of identity changes a case's remediation makes. */
export const REMEDIATION_ACTOR_PREFIX = 'vigil:remediation:';

const RESTRICTION_KIND: Readonly<Record<'revoke_scope' | 'block_tool', RestrictionKind>> = {
  revoke_scope: 'scope',
  block_tool: 'tool',
};

/** What a suspension step records: enough to put the status back. */
interface SuspensionDetail {
  readonly identityId: string;
  readonly previousStatus: string;
  readonly status: string;
  /** Whether this step suspended the identity (false: it was suspended or retired already). */
  readonly changed: boolean;
}

/**
 * Carries out steps on Vigil's own inventory: suspends identities and restricts the scopes
 * and tools recorded for them. Each step's effect and its row in the
 * remediation ledger commit in one transaction, keyed by the step's idempotency key:
 *
 * - execute: claims the key, then applies the effect; a repeat finds the claim and answers
 *   `already_applied` with what the first call did.
 * - verify: reads the effect back.
 * - compensate: undoes the effect once (a repeat answers `already_applied`). Compensating a
 *   step that never ran leaves a marker, so a late retry of that step is refused rather
 *   than applied after its undo.
 *
 * Unknown identities, actions this connector cannot do and missing parameters are refused
 * with a non-retryable REMEDIATION_FAILURES.rejected; database errors are left to retry.
 */
export class InternalRemediationConnector implements RemediationConnector {
  readonly kind = 'internal' as const;
  private readonly dataSource: DataSource;
  private readonly now: () => Date;
  private readonly ledger: RemediationLedger;
  private readonly restrictions: RestrictionStore;

  constructor(deps: InternalConnectorDeps) {
    this.dataSource = deps.dataSource;
    this.now = deps.now ?? (() => new Date());
    this.ledger = new RemediationLedger(deps.dataSource);
    this.restrictions = new RestrictionStore(deps.dataSource);
  }

  async execute(request: RemediationStepRequest): Promise<RemediationStepResult> {
    const action = checked(request);
    const at = this.now();
    return writeTransaction(this.dataSource, async (manager) => {
      const claimed = await this.ledger.claim(manager, ledgerRow(request, 'execute', at));
      if (!claimed) {
        const row = await this.existing(manager, request);
        if (row.phase === 'compensate') {
          throw rejected(
            `step ${request.idempotencyKey} was compensated before it ran; it is not applied afterwards`,
          );
        }
        return { status: 'already_applied', detail: row.detail };
      }
      const identity = await manager.findOneBy(IdentityEntity, { id: request.identityId });
      if (!identity) throw unknownIdentity(request);
      const detail =
        action === 'suspend_identity'
          ? await this.suspend(manager, request, identity, at)
          : await this.restrict(manager, request, action, at);
      await this.ledger.setDetail(manager, request.idempotencyKey, detail, at);
      return { status: 'applied', detail };
    });
  }

  async verify(request: RemediationStepRequest): Promise<VerificationResult> {
    const action = checked(request);
    const manager = this.dataSource.manager;
    const identity = await manager.findOneBy(IdentityEntity, { id: request.identityId });
    if (!identity) throw unknownIdentity(request);
    const row = await this.ledger.get(request.idempotencyKey);
    if (!row || row.phase !== 'execute') {
      return {
        verified: false,
        detail: { reason: row ? 'the step was compensated' : 'the step has not been applied' },
      };
    }
    if (action === 'suspend_identity') {
      const status = identity.status;
      return {
        verified: status === 'suspended' || status === 'retired',
        detail: { identityId: identity.id, status },
      };
    }
    const kind = RESTRICTION_KIND[action];
    const value = paramOf(request, action);
    const restriction = await this.restrictions.byKey(request.idempotencyKey);
    const verified =
      restriction !== null &&
      restriction.identityId === request.identityId &&
      restriction.kind === kind &&
      restriction.value === value;
    return {
      verified,
      detail: { identityId: request.identityId, kind, value, restricted: verified },
    };
  }

  async compensate(request: RemediationStepRequest): Promise<RemediationStepResult> {
    const action = checked(request);
    const at = this.now();
    return writeTransaction(this.dataSource, async (manager) => {
      const neverRan = await this.ledger.claim(manager, ledgerRow(request, 'compensate', at));
      if (neverRan) {
        return {
          status: 'applied',
          detail: { undone: false, reason: 'the step was never applied' },
        };
      }
      const row = await this.existing(manager, request);
      if (!(await this.ledger.startCompensation(manager, request.idempotencyKey, at))) {
        const done = await this.existing(manager, request);
        return { status: 'already_applied', detail: compensationOf(done) };
      }
      const undo =
        action === 'suspend_identity'
          ? await this.unsuspend(manager, request, row, at)
          : await this.unrestrict(manager, request, action);
      await this.ledger.setDetail(
        manager,
        request.idempotencyKey,
        { ...row.detail, compensation: undo },
        at,
      );
      return { status: 'applied', detail: undo };
    });
  }

  private async suspend(
    manager: EntityManager,
    request: RemediationStepRequest,
    identity: IdentityEntity,
    at: Date,
  ): Promise<Record<string, unknown>> {
    const changed = identity.status === 'active';
    if (changed) {
      await manager.update(
        IdentityEntity,
        { id: identity.id },
        { status: 'suspended', updatedAt: at, updatedBy: actorOf(request) },
      );
    }
    const detail: SuspensionDetail = {
      identityId: identity.id,
      previousStatus: identity.status,
      status: changed ? 'suspended' : identity.status,
      changed,
    };
    return { ...detail };
  }

  /**
   * Puts back the status the step replaced, unless another applied step still suspends the
   * identity: that step then inherits the status to put back when it is undone in turn.
   * A status someone changed since (retired, reactivated) is left as it is.
   */
  private async unsuspend(
    manager: EntityManager,
    request: RemediationStepRequest,
    row: RemediationActionEntity,
    at: Date,
  ): Promise<Record<string, unknown>> {
    const applied = row.detail as Partial<SuspensionDetail>;
    if (applied.changed !== true || typeof applied.previousStatus !== 'string') {
      return { restored: false, reason: 'the step did not change the status' };
    }
    const holders = await this.ledger.appliedOn(
      manager,
      request.identityId,
      'suspend_identity',
      request.idempotencyKey,
    );
    if (holders.length > 0) {
      const heir = holders[0]!;
      await this.ledger.setDetail(
        manager,
        heir.idempotencyKey,
        { ...heir.detail, previousStatus: applied.previousStatus, changed: true },
        at,
      );
      return {
        restored: false,
        reason: `still suspended by step ${heir.idempotencyKey}, which restores ${applied.previousStatus} when undone`,
        heldBy: holders.map((holder) => holder.idempotencyKey),
      };
    }
    const identity = await manager.findOneBy(IdentityEntity, { id: request.identityId });
    if (!identity) return { restored: false, reason: 'the identity is no longer in the inventory' };
    if (identity.status !== 'suspended') {
      return { restored: false, reason: `the status is now ${identity.status}; left as it is` };
    }
    await manager.update(
      IdentityEntity,
      { id: identity.id },
      {
        status: applied.previousStatus as IdentityEntity['status'],
        updatedAt: at,
        updatedBy: actorOf(request),
      },
    );
    return { restored: true, status: applied.previousStatus };
  }

  private async restrict(
    manager: EntityManager,
    request: RemediationStepRequest,
    action: 'revoke_scope' | 'block_tool',
    at: Date,
  ): Promise<Record<string, unknown>> {
    const kind = RESTRICTION_KIND[action];
    const value = paramOf(request, action);
    await this.restrictions.add(manager, {
      idempotencyKey: request.idempotencyKey,
      identityId: request.identityId,
      kind,
      value,
      caseId: request.caseId,
      createdAt: at,
    });
    return { identityId: request.identityId, kind, value };
  }

  private async unrestrict(
    manager: EntityManager,
    request: RemediationStepRequest,
    action: 'revoke_scope' | 'block_tool',
  ): Promise<Record<string, unknown>> {
    const kind = RESTRICTION_KIND[action];
    const value = paramOf(request, action);
    const removed = await this.restrictions.remove(manager, request.idempotencyKey);
    const stillRestricted = await this.restrictions.isRestricted(
      request.identityId,
      kind,
      value,
      manager,
    );
    return { removed, kind, value, stillRestricted };
  }

  /** The ledger row of the request's key, which must be for the same step. */
  private async existing(
    manager: EntityManager,
    request: RemediationStepRequest,
  ): Promise<RemediationActionEntity> {
    const row = await this.ledger.get(request.idempotencyKey, manager);
    if (!row) throw new Error(`ledger row ${request.idempotencyKey} vanished`);
    if (
      row.action !== request.action ||
      row.identityId !== request.identityId ||
      row.caseId !== request.caseId ||
      row.step !== request.step
    ) {
      throw rejected(
        `idempotency key ${request.idempotencyKey} was used for another step (${row.action} of ${row.identityId})`,
      );
    }
    return row;
  }
}

/** The request's action, when this connector can do it with the parameters given. */
function checked(request: RemediationStepRequest): InternalAction {
  if (request.connector !== 'internal') {
    throw rejected(`the internal connector got a step for the ${request.connector} connector`);
  }
  if (!isInternalAction(request.action)) {
    throw rejected(
      `the internal connector cannot ${request.action}; it can ${Object.keys(INTERNAL_ACTION_PARAMS).join(', ')}`,
    );
  }
  if (request.idempotencyKey.length > IDEMPOTENCY_KEY_LENGTH) {
    throw rejected(`idempotency key is longer than ${IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  if (request.caseId.length > 64 || request.step.length > 64) {
    throw rejected('case id and step name are at most 64 characters');
  }
  if (request.identityId.length > 160) {
    throw rejected('identity id is longer than 160 characters');
  }
  if (request.action !== 'suspend_identity') paramOf(request, request.action);
  return request.action;
}

function paramOf(request: RemediationStepRequest, action: 'revoke_scope' | 'block_tool'): string {
  const name = action === 'revoke_scope' ? 'scope' : 'tool';
  const value = request.params[name];
  if (typeof value !== 'string' || value === '') {
    throw rejected(`${action} needs the parameter ${name}`);
  }
  if (value.length > RESTRICTION_VALUE_LENGTH) {
    throw rejected(`${name} is longer than ${RESTRICTION_VALUE_LENGTH} characters`);
  }
  return value;
}

function ledgerRow(
  request: RemediationStepRequest,
  phase: 'execute' | 'compensate',
  at: Date,
): RemediationActionEntity {
  return {
    idempotencyKey: request.idempotencyKey,
    caseId: request.caseId,
    step: request.step,
    action: request.action,
    connector: 'internal',
    identityId: request.identityId,
    phase,
    status: phase === 'execute' ? 'applied' : 'not_applied',
    detail: phase === 'execute' ? {} : { undone: false, reason: 'the step was never applied' },
    createdAt: at,
    updatedAt: at,
  };
}

function compensationOf(row: RemediationActionEntity): Record<string, unknown> {
  const compensation = row.detail.compensation;
  return typeof compensation === 'object' && compensation !== null
    ? (compensation as Record<string, unknown>)
    : row.detail;
}

function actorOf(request: RemediationStepRequest): string {
  return `${REMEDIATION_ACTOR_PREFIX}${request.caseId}`;
}

function unknownIdentity(request: RemediationStepRequest): ApplicationFailure {
  return rejected(`no identity ${request.identityId} in the inventory`);
}

function rejected(message: string): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: REMEDIATION_FAILURES.rejected,
    nonRetryable: true,
  });
}
