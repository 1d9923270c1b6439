import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { SEVERITIES } from '@vigil/contracts';
import type { Principal } from '@vigil/contracts';
import { ApiErrorResponses } from '../common/openapi';
import {
  EscalationPolicyDto,
  EscalationPolicyInputDto,
  EscalationPolicyListDto,
  escalationPolicyResponse,
} from './dto/escalation-policy.dto';
import { PlaybooksService } from './playbooks.service';
import { CONFIG_READERS, CurrentPrincipal, Roles } from '../auth/roles';

const SEVERITY_PARAM = { name: 'severity', enum: SEVERITIES };

@ApiTags('escalation')
@Controller('v1/escalation-policies')
export class EscalationPoliciesController {
  constructor(private readonly playbooks: PlaybooksService) {}

  @Get()
  @Roles(...CONFIG_READERS)
  @ApiOperation({
    summary: 'Escalation policies, one per severity',
    description:
      'Who decides a case of each severity and by when (tier 1, then tier 2), and the fail-safe applied when nobody decides by the last deadline.',
  })
  @ApiOkResponse({ type: EscalationPolicyListDto })
  async list(): Promise<EscalationPolicyListDto> {
    return { items: (await this.playbooks.policiesList()).map(escalationPolicyResponse) };
  }

  @Put(':severity')
  @Roles('admin')
  @ApiOperation({ summary: "Replace a severity's escalation policy" })
  @ApiParam(SEVERITY_PARAM)
  @ApiBody({ type: EscalationPolicyInputDto })
  @ApiOkResponse({ type: EscalationPolicyDto })
  @ApiErrorResponses(400, 404, 415)
  async put(
    @Param('severity') severity: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EscalationPolicyDto> {
    return escalationPolicyResponse(
      await this.playbooks.putPolicy(severity, body, principal.actor),
    );
  }

  @Delete(':severity')
  @Roles('admin')
  @ApiOperation({ summary: "Return a severity's escalation policy to the built-in default" })
  @ApiParam(SEVERITY_PARAM)
  @ApiOkResponse({ type: EscalationPolicyDto })
  @ApiErrorResponses(404)
  async reset(
    @Param('severity') severity: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EscalationPolicyDto> {
    return escalationPolicyResponse(await this.playbooks.resetPolicy(severity, principal.actor));
  }
}
