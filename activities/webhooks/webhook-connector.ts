import { ApplicationFailure } from '@temporalio/activity';
import {
  REMEDIATION_FAILURES,
  type RemediationStepRequest,
  type RemediationStepResult,
  type VerificationResult,
} from '@vigil/contracts';
import type { RemediationConnector } from '../connectors';
import { postSignedWebhook, type WebhookResponse } from './webhook-client';

export interface WebhookConnectorSettings {
  /** REMEDIATION_WEBHOOK_URL; null: not configured. */
  readonly url: string | null;
  /** REMEDIATION_WEBHOOK_SECRET; null: not configured. */
  readonly secret: string | null;
  readonly timeoutMs: number;
  /** Aborts a request early, e.g. with the activity's cancellation signal. */
  readonly signal?: () => AbortSignal | undefined;
}

export type RemediationPhase = 'execute' | 'verify' | 'compensate';

/** The JSON body of every remediation webhook. */
export interface RemediationWebhookPayload {
  readonly type: `remediation.${RemediationPhase}`;
  readonly idempotencyKey: string;
  readonly caseId: string;
  readonly playbookId: string;
  readonly playbookVersion: number;
  readonly step: string;
  readonly action: RemediationStepRequest['action'];
  readonly identityId: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Carries out remediation steps by POSTing them, signed per Standard Webhooks, to the
 * remediation endpoint. The `webhook-id` is `<idempotencyKey>:<phase>`, the same on every
 * retry, so the receiver applies each step's effect once and answers `already_applied` to a
 * repeat. The endpoint answers execute and compensate with
 * `{ "status": "applied" | "already_applied", "detail": {...} }` and verify with
 * `{ "verified": boolean, "detail": {...} }`; any other 2xx body is a permanent failure.
 */
export class WebhookRemediationConnector implements RemediationConnector {
  readonly kind = 'webhook' as const;

  constructor(private readonly settings: WebhookConnectorSettings) {}

  async execute(request: RemediationStepRequest): Promise<RemediationStepResult> {
    return stepResultOf(await this.post('execute', request), request, 'execute');
  }

  async verify(request: RemediationStepRequest): Promise<VerificationResult> {
    const response = await this.post('verify', request);
    const body = response.json;
    if (isObject(body) && typeof body.verified === 'boolean' && isDetail(body.detail)) {
      return { verified: body.verified, detail: body.detail ?? {} };
    }
    throw invalidBody(request, 'verify', '{ "verified": boolean, "detail": {...} }', response);
  }

  async compensate(request: RemediationStepRequest): Promise<RemediationStepResult> {
    return stepResultOf(await this.post('compensate', request), request, 'compensate');
  }

  private async post(
    phase: RemediationPhase,
    request: RemediationStepRequest,
  ): Promise<WebhookResponse> {
    const { url, secret, timeoutMs } = this.settings;
    if (url === null) {
      throw ApplicationFailure.nonRetryable(
        `step ${request.step} (${request.action}) uses the webhook connector, but no endpoint is configured: set REMEDIATION_WEBHOOK_URL`,
        REMEDIATION_FAILURES.notConfigured,
      );
    }
    if (secret === null) {
      throw ApplicationFailure.nonRetryable(
        `the remediation webhook has no signing secret: set REMEDIATION_WEBHOOK_SECRET`,
        REMEDIATION_FAILURES.notConfigured,
      );
    }
    return postSignedWebhook({
      url,
      secret,
      id: webhookIdOf(request, phase),
      body: payloadOf(request, phase),
      timeoutMs,
      label: `remediation webhook (${phase} ${request.step})`,
      signal: this.settings.signal?.(),
    });
  }
}

/** The `webhook-id` of one phase of a step. */
export function webhookIdOf(request: RemediationStepRequest, phase: RemediationPhase): string {
  return `${request.idempotencyKey}:${phase}`;
}

export function payloadOf(
  request: RemediationStepRequest,
  phase: RemediationPhase,
): RemediationWebhookPayload {
  return {
    type: `remediation.${phase}`,
    idempotencyKey: request.idempotencyKey,
    caseId: request.caseId,
    playbookId: request.playbookId,
    playbookVersion: request.playbookVersion,
    step: request.step,
    action: request.action,
    identityId: request.identityId,
    params: request.params,
  };
}

function stepResultOf(
  response: WebhookResponse,
  request: RemediationStepRequest,
  phase: RemediationPhase,
): RemediationStepResult {
  const body = response.json;
  if (
    isObject(body) &&
    (body.status === 'applied' || body.status === 'already_applied') &&
    isDetail(body.detail)
  ) {
    return { status: body.status, detail: body.detail ?? {} };
  }
  throw invalidBody(
    request,
    phase,
    '{ "status": "applied" | "already_applied", "detail": {...} }',
    response,
  );
}

function invalidBody(
  request: RemediationStepRequest,
  phase: RemediationPhase,
  expected: string,
  response: WebhookResponse,
): ApplicationFailure {
  const got =
    response.json !== null
      ? JSON.stringify(response.json).slice(0, 200)
      : response.text.trim() === ''
        ? 'an empty body'
        : 'a body that is not JSON';
  return ApplicationFailure.nonRetryable(
    `remediation webhook answered ${phase} of step ${request.step} (webhook-id ${webhookIdOf(request, phase)}) with HTTP ${response.status} and ${got}; expected ${expected}`,
    REMEDIATION_FAILURES.rejected,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `detail` may be left out; when present it is an object. */
function isDetail(value: unknown): value is Record<string, unknown> | undefined {
  return value === undefined || isObject(value);
}
