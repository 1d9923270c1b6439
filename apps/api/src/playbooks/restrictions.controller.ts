import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IDENTITY_ID_PATTERN } from '@vigil/domain';
import type { Allowance } from '@vigil/contracts';
import { IdentityStore, RestrictionStore, TuningStore } from '@vigil/persistence';
import { ApiError } from '../common/api-error';
import { ApiErrorResponses } from '../common/openapi';
import { RestrictionListDto, restrictionResponse } from './dto/restriction.dto';
import { Roles, CONFIG_READERS } from '../auth/roles';

@ApiTags('identities')
@Controller('v1/identities')
export class RestrictionsController {
  constructor(
    private readonly identities: IdentityStore,
    private readonly restrictions: RestrictionStore,
    private readonly tuning: TuningStore,
  ) {}

  @Get(':id/allowances')
  @Roles(...CONFIG_READERS)
  @ApiOperation({
    summary: "An identity's allowances",
    description:
      'Scoped exemptions in its baseline: a detector, a dimension and a value that are expected until the expiry, from an accepted risk or a benign-expected verdict applied by tuning. Ended ones stay listed with why they ended (expired, lapsed, reverted). Newest first.',
  })
  @ApiOkResponse({ description: '{ identityId, items: Allowance[] }' })
  @ApiErrorResponses(404)
  async allowances(@Param('id') id: string): Promise<{ identityId: string; items: Allowance[] }> {
    const identity = IDENTITY_ID_PATTERN.test(id) ? await this.identities.get(id) : null;
    if (!identity) throw ApiError.notFound('identity_not_found', `no identity with id ${id}`);
    return { identityId: id, items: await this.tuning.allowancesOf(id) };
  }

  @Get(':id/restrictions')
  @Roles(...CONFIG_READERS)
  @ApiOperation({
    summary: "An identity's restrictions",
    description:
      'Scopes revoked from, and tools blocked for, the identity by case remediation. Each belongs to the case step that made it.',
  })
  @ApiOkResponse({ type: RestrictionListDto })
  @ApiErrorResponses(404)
  async list(@Param('id') id: string): Promise<RestrictionListDto> {
    const identity = IDENTITY_ID_PATTERN.test(id) ? await this.identities.get(id) : null;
    if (!identity) throw ApiError.notFound('identity_not_found', `no identity with id ${id}`);
    return { identityId: id, items: (await this.restrictions.list(id)).map(restrictionResponse) };
  }
}
