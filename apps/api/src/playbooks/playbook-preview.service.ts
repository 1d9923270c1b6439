import { Injectable } from '@nestjs/common';
import type { ExceptionKind, Identity, Playbook, Severity } from '@vigil/contracts';
import { PlaybookTemplateError, matchPlaybook, previewPlaybook } from '@vigil/domain';
import { PlaybookStore } from '@vigil/persistence';
import { ApiError } from '../common/api-error';
import type { PlaybookPreviewDto } from './dto/preview.dto';

/** What a preview needs of a case; a case row has it, and so does a hypothetical exception. */
export interface PreviewSubject {
  /** The case id; for a hypothetical exception, any placeholder. */
  readonly id: string;
  readonly identityId: string;
  /** null: no exception kind, so the preview cannot say whether the playbook matches. */
  readonly kind: ExceptionKind | null;
  readonly severity: Severity;
  readonly evidence: Readonly<Record<string, unknown>>;
}

/** The parameters of the dry-run endpoint, by the request field they came from. */
export interface DryRunRequest {
  readonly identityId: string;
  readonly severity: Severity;
  readonly kind?: ExceptionKind;
  readonly value?: string;
  readonly dimension?: string;
}

/** Dry runs of playbooks: what one would do for a case, resolved, without doing it. */
@Injectable()
export class PlaybookPreviewService {
  constructor(private readonly playbooks: PlaybookStore) {}

  /**
   * What `playbookId` (by default the playbook Vigil picks for the case) would do for the
   * case and whether it would run on its own. 404 when there is no such playbook or none
   * matches; 409 when a step needs something the case does not have.
   */
  async preview(
    caseRow: PreviewSubject,
    identity: Identity | null,
    playbookId?: string,
  ): Promise<PlaybookPreviewDto> {
    try {
      return await this.resolve(caseRow, identity, playbookId);
    } catch (error) {
      if (error instanceof PlaybookTemplateError) throw notApplicable(error);
      throw error;
    }
  }

  /**
   * A dry run of a playbook for a hypothetical exception on an identity. A step that needs
   * the deviating value when none was given is a 400 on `value`.
   */
  async dryRun(
    playbookId: string,
    request: DryRunRequest,
    identity: Identity,
  ): Promise<PlaybookPreviewDto> {
    const subject: PreviewSubject = {
      id: 'preview',
      identityId: identity.id,
      kind: request.kind ?? null,
      severity: request.severity,
      evidence: {
        ...(request.value === undefined ? {} : { value: request.value }),
        ...(request.dimension === undefined
          ? {}
          : { details: { violation: request.dimension, dimension: request.dimension } }),
      },
    };
    try {
      return await this.resolve(subject, identity, playbookId);
    } catch (error) {
      if (error instanceof PlaybookTemplateError) {
        if (error.path === 'value') {
          throw ApiError.validation(
            'value',
            `step ${error.step} of playbook ${error.playbookId} needs {{value}}: pass value`,
          );
        }
        throw notApplicable(error);
      }
      throw error;
    }
  }

  private async resolve(
    subject: PreviewSubject,
    identity: Identity | null,
    playbookId: string | undefined,
  ): Promise<PlaybookPreviewDto> {
    const active = await this.playbooks.active();
    const chosen =
      subject.kind === null
        ? null
        : matchPlaybook(active, subject.kind, identity?.kind ?? null, subject.evidence);
    let playbook: Playbook;
    if (playbookId !== undefined) {
      const found = active.find((p) => p.id === playbookId);
      if (!found) throw playbookNotFound(playbookId);
      playbook = found;
    } else if (chosen) {
      playbook = chosen;
    } else {
      throw ApiError.notFound(
        'playbook_not_found',
        `no playbook remediates ${subject.kind ?? 'this exception'} on ${identity?.kind ?? 'an unknown identity'}`,
      );
    }
    const preview = previewPlaybook(playbook, {
      caseId: subject.id,
      identity,
      report: { identityId: subject.identityId, evidence: subject.evidence },
      severity: subject.severity,
    });
    return {
      ...preview,
      steps: preview.steps.map((step) => ({ ...step, params: { ...step.params } })),
      matches: subject.kind === null ? null : chosen?.id === playbook.id,
    };
  }
}

export function playbookNotFound(id: string): ApiError {
  return ApiError.notFound('playbook_not_found', `no playbook ${id}; see GET /v1/playbooks`);
}

function notApplicable(error: PlaybookTemplateError): ApiError {
  return ApiError.conflict('playbook_not_applicable', error.message);
}
