import { Injectable } from '@nestjs/common';
import { SEVERITIES, isOneOf, type Severity } from '@vigil/contracts';
import {
  PLAYBOOK_ID_PATTERN,
  isRecord,
  validateEscalationPolicy,
  validatePlaybook,
  type ValidationProblem,
} from '@vigil/domain';
import {
  EscalationPolicyStore,
  PlaybookStore,
  PlaybookVersionConflictError,
  type EscalationPolicyRecord,
  type PlaybookRecord,
} from '@vigil/persistence';
import { ApiError } from '../common/api-error';
import { playbookNotFound } from './playbook-preview.service';

/** Problems listed in one error message; the rest are counted. */
const PROBLEMS_IN_MESSAGE = 5;

/** Playbooks and escalation policies as the API reads and edits them. */
@Injectable()
export class PlaybooksService {
  constructor(
    private readonly playbooks: PlaybookStore,
    private readonly policies: EscalationPolicyStore,
  ) {}

  list(): Promise<PlaybookRecord[]> {
    return this.playbooks.list();
  }

  async get(id: string, version?: number): Promise<{ record: PlaybookRecord; versions: number[] }> {
    const record = PLAYBOOK_ID_PATTERN.test(id) ? await this.playbooks.get(id, version) : null;
    if (!record) {
      if (version !== undefined && (await this.playbooks.get(id))) {
        throw ApiError.notFound(
          'playbook_version_not_found',
          `playbook ${id} has no version ${version}`,
        );
      }
      throw playbookNotFound(id);
    }
    return { record, versions: await this.playbooks.versions(id) };
  }

  /**
   * Validates the body as the next version of playbook `id` and stores it. The body may
   * repeat the id and name the version it creates; a version someone else took first is a
   * 409 with the next free one in the message.
   */
  async put(
    id: string,
    body: unknown,
    actor: string,
  ): Promise<{ record: PlaybookRecord; created: boolean }> {
    if (!PLAYBOOK_ID_PATTERN.test(id)) {
      throw ApiError.validation('id', 'id must be 1 to 64 lowercase letters, digits and hyphens');
    }
    if (!isRecord(body)) throw ApiError.validation('body', 'a playbook must be a JSON object');
    if (body.id !== undefined && body.id !== id) {
      throw ApiError.validation('id', `id must be ${id}, the id in the path, when given`);
    }
    const next = await this.playbooks.nextVersion(id);
    const result = validatePlaybook({ ...body, id, version: body.version ?? next });
    if (!result.ok) throw invalid(result.errors);
    try {
      const record = await this.playbooks.save(result.playbook, actor);
      return { record, created: result.playbook.version === 1 };
    } catch (error) {
      if (error instanceof PlaybookVersionConflictError) {
        throw ApiError.conflict(error.code, error.message);
      }
      throw error;
    }
  }

  policiesList(): Promise<EscalationPolicyRecord[]> {
    return this.policies.all();
  }

  async putPolicy(severity: string, body: unknown, actor: string): Promise<EscalationPolicyRecord> {
    const known = knownSeverity(severity);
    if (!isRecord(body)) throw ApiError.validation('body', 'a policy must be a JSON object');
    if (body.severity !== undefined && body.severity !== known) {
      throw ApiError.validation(
        'severity',
        `severity must be ${known}, the severity in the path, when given`,
      );
    }
    const result = validateEscalationPolicy({ ...body, severity: known });
    if (!result.ok) throw invalid(result.errors);
    return this.policies.set(result.policy, actor);
  }

  resetPolicy(severity: string, actor: string): Promise<EscalationPolicyRecord> {
    return this.policies.reset(knownSeverity(severity), actor);
  }
}

function knownSeverity(severity: string): Severity {
  if (!isOneOf(SEVERITIES, severity)) {
    throw ApiError.notFound(
      'escalation_policy_not_found',
      `no escalation policy for ${severity}; severities are ${SEVERITIES.join(', ')}`,
    );
  }
  return severity;
}

/** A 400 on the first problem's field, its message followed by the others'. */
function invalid(errors: readonly ValidationProblem[]): ApiError {
  const shown = errors.slice(0, PROBLEMS_IN_MESSAGE).map((e) => e.message);
  const more = errors.length - shown.length;
  const message = shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
  return ApiError.validation(errors[0]?.field ?? 'body', message);
}
