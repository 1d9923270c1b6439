import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IDENTITY_ID_PATTERN } from '@vigil/domain';
import { IdentityStore, RestrictionStore } from '@vigil/persistence';
import { ApiError } from '../common/api-error';
import { ApiErrorResponses } from '../common/openapi';
import { RestrictionListDto, restrictionResponse } from './dto/restriction.dto';

@ApiTags('identities')
@Controller('v1/identities')
export class RestrictionsController {
  constructor(
    private readonly identities: IdentityStore,
    private readonly restrictions: RestrictionStore,
  ) {}

  @Get(':id/restrictions')
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
