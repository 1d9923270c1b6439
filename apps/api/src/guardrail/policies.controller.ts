import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/openapi';
import {
  EvaluatePolicyDto,
  EvaluationDto,
  PolicySetDto,
  PolicySetListDto,
  PolicyVersionParam,
  PublishPolicySetDto,
} from './dto/policy-set.dto';
import { PoliciesService } from './policies.service';
import type { Principal } from '@vigil/contracts';
import { CONFIG_READERS, CurrentPrincipal, Roles } from '../auth/roles';

const VERSION_PARAM = { name: 'version', example: 2 };

@ApiTags('policies')
@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get()
  @Roles(...CONFIG_READERS)
  @ApiOperation({
    summary: 'Policy set versions (role admin)',
    description:
      'Every published version of the guardrail policy set, newest first, and which one is active.',
  })
  @ApiOkResponse({ type: PolicySetListDto })
  list(): Promise<PolicySetListDto> {
    return this.policies.list();
  }

  @Get('active')
  @Roles(...CONFIG_READERS)
  @ApiOperation({ summary: 'The active policy set, schema and policies (role admin)' })
  @ApiOkResponse({ type: PolicySetDto })
  @ApiErrorResponses(404)
  active(): Promise<PolicySetDto> {
    return this.policies.get('active');
  }

  @Get(':version')
  @Roles(...CONFIG_READERS)
  @ApiOperation({ summary: 'A version of the policy set (role admin)' })
  @ApiParam(VERSION_PARAM)
  @ApiOkResponse({ type: PolicySetDto })
  @ApiErrorResponses(400, 404)
  get(@Param() params: PolicyVersionParam): Promise<PolicySetDto> {
    return this.policies.get(params.version);
  }

  @Post()
  @Roles('admin')
  @ApiOperation({
    summary: 'Publish a policy set (role admin)',
    description:
      "Validates the Cedar policies against the Cedar schema (strict mode) and checks that the schema accepts the entities Vigil builds; a set that fails is refused with 422 `policy_invalid` and Cedar's diagnostics. Otherwise it is stored as the next version and, unless `activate` is false, becomes the active one in the same transaction. This API instance uses it at once; other instances within 5 s.",
  })
  @ApiCreatedResponse({ type: PolicySetDto })
  @ApiErrorResponses(400, 415, 422)
  publish(
    @Body() body: PublishPolicySetDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PolicySetDto> {
    return this.policies.publish(body, principal.actor);
  }

  @Post(':version/activate')
  @Roles('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Activate a stored version (role admin)',
    description: 'Makes an earlier (or an inactive) version the active one: a rollback.',
  })
  @ApiParam(VERSION_PARAM)
  @ApiOkResponse({ type: PolicySetDto })
  @ApiErrorResponses(400, 404, 422)
  activate(
    @Param() params: PolicyVersionParam,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PolicySetDto> {
    return this.policies.activate(params.version, principal.actor);
  }

  @Post('evaluate')
  @Roles('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Dry-run a request against a candidate policy set (role admin)',
    description:
      'The decision a candidate set (`schema` and `policies`), a stored `version`, or by default the active set would give the request, for the identity as the inventory has it now. Opens no case and feeds no baseline.',
  })
  @ApiOkResponse({ type: EvaluationDto })
  @ApiErrorResponses(400, 404, 415, 422)
  evaluate(@Body() body: EvaluatePolicyDto): Promise<EvaluationDto> {
    return this.policies.evaluate(body);
  }
}
