import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrorResponses } from '../common/openapi';
import { requestIdOf } from '../common/request-id';
import { AuthorizeRequestDto, AuthorizeResponseDto } from './dto/authorize.dto';
import { GuardrailService } from './guardrail.service';
import { parseAuthorizeRequest } from './dto/authorize-request';
import { Roles } from '../auth/roles';

@ApiTags('guardrail')
@Controller('v1/authorize')
export class AuthorizeController {
  constructor(private readonly guardrail: GuardrailService) {}

  @Post()
  @Roles('ingest')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'May this agent make this tool call? (role ingest)',
    description:
      "Evaluates the active Cedar policy set for the agent (as the identity inventory describes it) and the call. Suspended or retired identities, and tools a remediation blocked, are always denied. A denial opens or joins a `policy_violation` case (`caseId`); an allowed call is fed to the agent's baseline as a `tool.invoked` event. When the policies cannot be evaluated the answer is still 200, decided by AUTHORIZE_FAIL_MODE (`evaluated: false`, the reason in `reasons`). 400 only for a malformed request.",
  })
  @ApiBody({ type: AuthorizeRequestDto })
  @ApiOkResponse({ type: AuthorizeResponseDto })
  @ApiErrorResponses(400, 415)
  authorize(
    // Checked by parseAuthorizeRequest, to AuthorizeRequestDto's rules, not by the pipe.
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AuthorizeResponseDto> {
    return this.guardrail.authorize(parseAuthorizeRequest(body), requestIdOf(res));
  }
}
