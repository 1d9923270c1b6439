import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Identity } from '@vigil/contracts';
import { IDENTITY_ID_PATTERN, type BatchFormat } from '@vigil/domain';
import { parseBatch } from '@vigil/domain';
import {
  EMPTY_POLICY,
  IdentityStore,
  InvalidCursorError,
  type StoredIdentity,
} from '@vigil/persistence';
import { ApiError } from '../common/api-error';
import { BaselineCache } from '../events/baseline-cache';
import { AgentDirectory } from '../guardrail/agent-directory';
import { baselineView, type BaselineView } from './baseline-view';
import { firstProblem } from '../common/validation';
import { IdentityDto, IdentityImportDto } from './dto/identity.dto';
import type { ImportResultDto } from './dto/identity-response.dto';
import type { ListIdentitiesQuery } from './dto/list-identities.query';

export const MAX_IMPORT_ITEMS = 10_000;

/** The identity inventory: what each NHI is, who owns it, and what it may do. */
@Injectable()
export class IdentitiesService {
  constructor(
    private readonly store: IdentityStore,
    private readonly baselines: BaselineCache,
    private readonly directory: AgentDirectory,
  ) {}

  async baseline(id: string): Promise<BaselineView> {
    await this.get(id);
    const snapshots = await this.baselines.snapshots([id]);
    return baselineView(snapshots.get(id)!);
  }

  async get(id: string): Promise<StoredIdentity> {
    const identity = IDENTITY_ID_PATTERN.test(id) ? await this.store.get(id) : null;
    if (!identity) throw ApiError.notFound('identity_not_found', `no identity with id ${id}`);
    return identity;
  }

  async put(id: string, dto: IdentityDto, actor: string) {
    if (!IDENTITY_ID_PATTERN.test(id)) {
      throw ApiError.validation('id', 'id is not a valid identity id');
    }
    const result = await this.store.upsert(identityOf(id, dto), { actor });
    // A suspension through this API stops the guardrail's next answer, not one a TTL later.
    this.directory.invalidate(id);
    return result;
  }

  async list(query: ListIdentitiesQuery) {
    try {
      return await this.store.list(query);
    } catch (error) {
      if (error instanceof InvalidCursorError) throw ApiError.validation('cursor', error.message);
      throw error;
    }
  }

  /** Bulk import: every valid line is written (in one transaction); invalid ones are listed. */
  async import(text: string, format: BatchFormat, actor: string): Promise<ImportResultDto> {
    const { items, rejected } = parseImport(text, format);
    if (items.length > MAX_IMPORT_ITEMS) {
      throw new ApiError(
        413,
        'payload_too_large',
        `batch has ${items.length} identities; the limit is ${MAX_IMPORT_ITEMS} per request`,
      );
    }
    const valid: Identity[] = [];
    const problems = [...rejected];
    items.forEach((item, index) => {
      if (item === undefined) return;
      const dto = plainToInstance(IdentityImportDto, item);
      const errors =
        typeof item === 'object' && item !== null && !Array.isArray(item)
          ? validateSync(dto, {
              whitelist: true,
              forbidNonWhitelisted: true,
              stopAtFirstError: true,
            })
          : [];
      const problem =
        typeof item !== 'object' || item === null || Array.isArray(item)
          ? { field: '', message: 'an identity must be a JSON object' }
          : firstProblem(errors);
      if (problem) {
        problems.push({
          index,
          code: 'validation_failed',
          field: `identities[${index}]${problem.field ? `.${problem.field}` : ''}`,
          message: problem.message,
        });
        return;
      }
      valid.push(identityOf(dto.id, dto));
    });
    const { created, updated } =
      valid.length > 0 ? await this.store.bulkUpsert(valid, { actor }) : { created: 0, updated: 0 };
    if (valid.length > 0) this.directory.invalidateAll();
    return { created, updated, rejected: problems.sort((a, b) => a.index - b.index) };
  }
}

function parseImport(text: string, format: BatchFormat) {
  try {
    return parseBatch(text, format, 'identities');
  } catch (error) {
    throw new ApiError(
      400,
      'malformed_json',
      error instanceof Error ? error.message : String(error),
    );
  }
}

function identityOf(id: string, dto: IdentityDto): Identity {
  return {
    id,
    kind: dto.kind,
    owner: dto.owner ?? null,
    team: dto.team ?? null,
    vendor: dto.vendor ?? null,
    criticality: dto.criticality,
    environment: dto.environment ?? null,
    status: dto.status ?? 'active',
    policy: {
      rotationPeriodDays: dto.policy?.rotationPeriodDays ?? EMPTY_POLICY.rotationPeriodDays,
      rotationToleranceDays:
        dto.policy?.rotationToleranceDays ?? EMPTY_POLICY.rotationToleranceDays,
      certificateValidityDays: dto.policy?.certificateValidityDays ?? null,
      allowedScopes: dto.policy?.allowedScopes ?? [...EMPTY_POLICY.allowedScopes],
      allowedTools: dto.policy?.allowedTools ?? [...EMPTY_POLICY.allowedTools],
      resourceSensitivity: (dto.policy?.resourceSensitivity ?? []).map(
        ({ pattern, sensitivity }) => ({
          pattern,
          sensitivity,
        }),
      ),
    },
  };
}
