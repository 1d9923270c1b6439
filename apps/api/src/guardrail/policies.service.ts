import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DEFAULT_TOOL_ACTION, type AuthorizeRequest } from '@vigil/contracts';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import { coerceContext } from '@vigil/domain';
import {
  PolicyStore,
  PolicyVersionNotFoundError,
  type PolicyActivation,
  type PolicySetRecord,
} from '@vigil/persistence';
import { ApiError } from '../common/api-error';
import { AgentDirectory } from './agent-directory';
import { compilePolicySet, type CompiledPolicySet, type PolicyDiagnostic } from './cedar';
import type { AuthorizeRequestDto } from './dto/authorize.dto';
import type {
  EvaluatePolicyDto,
  EvaluationDto,
  PolicySetDto,
  PolicySetListDto,
  PublishPolicySetDto,
} from './dto/policy-set.dto';
import { decide } from './guardrail.service';
import { PolicyEngine } from './policy-engine';

/** Versioned policy sets: validate, publish, activate, dry-run. */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly store: PolicyStore,
    private readonly engine: PolicyEngine,
    private readonly directory: AgentDirectory,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
  ) {}

  async list(): Promise<PolicySetListDto> {
    const [activation, items] = await Promise.all([this.store.activation(), this.store.list()]);
    return {
      activeVersion: activation?.version ?? null,
      activatedAt: activation?.activatedAt.toISOString() ?? null,
      activatedBy: activation?.activatedBy ?? null,
      items: items.map((item) => ({
        ...item,
        policyVersion: `v${item.version}`,
        createdAt: item.createdAt.toISOString(),
        active: item.version === activation?.version,
      })),
    };
  }

  async get(version: number | 'active'): Promise<PolicySetDto> {
    const activation = await this.store.activation();
    const wanted = version === 'active' ? activation?.version : version;
    const set = wanted === undefined ? null : await this.store.get(wanted);
    if (!set) {
      throw ApiError.notFound(
        'policy_set_not_found',
        version === 'active' ? 'no policy set is active' : `no policy set version ${version}`,
      );
    }
    const compiled = compilePolicySet(set, null);
    return view(set, activation, compiled.ok ? compiled.set : null);
  }

  /** Validates the set against its schema and stores it as the next version (422 if invalid). */
  async publish(dto: PublishPolicySetDto, actor: string): Promise<PolicySetDto> {
    const source = { schema: dto.schema, policies: dto.policies };
    const checked = compileOrReject(source);
    const activate = dto.activate ?? true;
    const { set, activation } = await this.store.publish(source, {
      actor,
      comment: dto.comment ?? '',
      activate,
    });
    if (activation) this.engine.install(set, this.engine.compile(set));
    return view(set, activation ?? (await this.store.activation()), checked);
  }

  /** Makes a stored version active again (a rollback, or a set published inactive). */
  async activate(version: number, actor: string): Promise<PolicySetDto> {
    const set = await this.store.get(version);
    if (!set) throw ApiError.notFound('policy_set_not_found', `no policy set version ${version}`);
    // A version stored by another release may not compile here: refuse rather than break.
    const compiled = compileOrReject(set);
    let activation: PolicyActivation;
    try {
      activation = await this.store.activate(version, actor);
    } catch (error) {
      if (error instanceof PolicyVersionNotFoundError) {
        throw ApiError.notFound('policy_set_not_found', error.message);
      }
      throw error;
    }
    this.engine.install(set, this.engine.compile(set));
    return view(set, activation, compiled);
  }

  /**
   * Dry run: the decision a candidate set (or a stored version, or the active set) would
   * give this request for the identity as the inventory has it now. Opens no case and
   * feeds no baseline.
   */
  async evaluate(dto: EvaluatePolicyDto): Promise<EvaluationDto> {
    const { compiled, label } = await this.candidate(dto);
    const request = authorizeRequestOf(dto.request);
    const shape = compiled.actions.get(request.action);
    const context = shape ? coerceContext(request.context, shape) : null;
    if (context && !context.ok) {
      throw ApiError.validation(`request.${context.field}`, context.message);
    }
    const facts = await this.directory.get(request.agentId);
    const verdict = decide(request, facts, compiled, this.config.authorize.failMode);
    return {
      ...verdict,
      policyVersion: label,
      ignoredContext: context?.ok ? context.ignored : [],
      warnings: compiled.warnings,
    };
  }

  private async candidate(
    dto: EvaluatePolicyDto,
  ): Promise<{ compiled: CompiledPolicySet; label: string }> {
    const given = [dto.schema, dto.policies].filter((part) => part !== undefined).length;
    if (given === 1) {
      throw ApiError.validation(
        dto.schema === undefined ? 'schema' : 'policies',
        'a candidate set needs both schema and policies',
      );
    }
    if (given === 2 && dto.version !== undefined) {
      throw ApiError.validation('version', 'give either a candidate set or a version, not both');
    }
    if (given === 2) {
      return {
        compiled: compileOrReject({ schema: dto.schema!, policies: dto.policies! }),
        label: 'candidate',
      };
    }
    const version = dto.version ?? (await this.store.activation())?.version;
    const set = version === undefined ? null : await this.store.get(version);
    if (!set) {
      throw ApiError.notFound(
        'policy_set_not_found',
        version === undefined ? 'no policy set is active' : `no policy set version ${version}`,
      );
    }
    return { compiled: compileOrReject(set), label: `v${set.version}` };
  }
}

export function authorizeRequestOf(dto: AuthorizeRequestDto): AuthorizeRequest {
  return {
    agentId: dto.agentId,
    tool: dto.tool,
    action: dto.action ?? DEFAULT_TOOL_ACTION,
    resource: dto.resource ?? null,
    context: dto.context ?? {},
  };
}

function compileOrReject(source: { schema: string; policies: string }): CompiledPolicySet {
  const result = compilePolicySet(source, null);
  if (result.ok) return result.set;
  throw invalid(result.diagnostics);
}

function invalid(diagnostics: PolicyDiagnostic[]): ApiError {
  const first = diagnostics[0];
  const where = first && first.line !== null ? ` (line ${first.line}, column ${first.column})` : '';
  return new ApiError(
    HttpStatus.UNPROCESSABLE_ENTITY,
    'policy_invalid',
    `the policy set does not validate: ${first?.message ?? 'unknown error'}${where}` +
      (diagnostics.length > 1 ? ` and ${diagnostics.length - 1} more problem(s)` : ''),
    first?.part ?? 'policies',
    { diagnostics },
  );
}

function view(
  set: PolicySetRecord,
  activation: PolicyActivation | null,
  compiled: CompiledPolicySet | null,
): PolicySetDto {
  return {
    version: set.version,
    policyVersion: `v${set.version}`,
    digest: set.digest,
    comment: set.comment,
    createdAt: set.createdAt.toISOString(),
    createdBy: set.createdBy,
    active: activation?.version === set.version,
    schema: set.schema,
    policies: set.policies,
    policyIds: compiled ? Object.keys(compiled.policies) : [],
    warnings: compiled?.warnings ?? [],
  };
}
