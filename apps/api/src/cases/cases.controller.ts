import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ocsfDetectionFinding } from '@vigil/domain';
import { ApiErrorResponses } from '../common/openapi';
import { CaseReader } from './case-reader';
import { CasesService } from './cases.service';
import { CaseFormatQuery } from './dto/case-format.query';
import { CaseDto, CaseListDto } from './dto/case.dto';
import { CommentDto, DecisionDto, RemediationRequestDto } from './dto/decision.dto';
import { ListCasesQuery } from './dto/list-cases.query';
import { OcsfDetectionFindingDto } from './dto/ocsf-finding.dto';
import type { Principal } from '@vigil/contracts';
import { CASE_READERS, CurrentPrincipal, Roles } from '../auth/roles';

const CASE_ID_PARAM = {
  name: 'id',
  description: 'A case id, or a workflow id (`case-<fingerprint>`) for its latest case.',
};

@ApiTags('cases')
@Controller('v1/cases')
export class CasesController {
  constructor(
    private readonly cases: CasesService,
    private readonly reader: CaseReader,
  ) {}

  @Get()
  @Roles(...CASE_READERS)
  @ApiOperation({ summary: 'List cases, newest first' })
  @ApiOkResponse({ type: CaseListDto })
  @ApiErrorResponses(400)
  list(@Query() query: ListCasesQuery): Promise<CaseListDto> {
    return this.reader.list(query) as Promise<CaseListDto>;
  }

  @Get(':id')
  @Roles(...CASE_READERS)
  @ApiOperation({
    summary: 'A case with its timeline',
    description:
      'With `?format=ocsf`, the case as an OCSF 1.3 Detection Finding (class_uid 2004) for a SIEM or data lake.',
  })
  @ApiParam(CASE_ID_PARAM)
  @ApiExtraModels(CaseDto, OcsfDetectionFindingDto)
  @ApiOkResponse({
    schema: {
      oneOf: [{ $ref: getSchemaPath(CaseDto) }, { $ref: getSchemaPath(OcsfDetectionFindingDto) }],
    },
  })
  @ApiErrorResponses(400, 404, 503)
  async get(
    @Param('id') id: string,
    @Query() query: CaseFormatQuery,
  ): Promise<CaseDto | OcsfDetectionFindingDto> {
    const view = await this.cases.get(id);
    if (query.format === 'ocsf') {
      return ocsfDetectionFinding(view) as unknown as OcsfDetectionFindingDto;
    }
    return view as unknown as CaseDto;
  }

  @Post(':id/decision')
  @Roles('analyst')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Decide a case',
    description:
      'Delivered to the case workflow as the `decide` update; answers once the case is resolved.',
  })
  @ApiParam(CASE_ID_PARAM)
  @ApiOkResponse({ type: CaseDto })
  @ApiErrorResponses(400, 404, 409, 415, 503)
  decide(
    @Param('id') id: string,
    @Body() body: DecisionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CaseDto> {
    return this.cases.decide(id, body, principal) as unknown as Promise<CaseDto>;
  }

  @Post(':id/remediation-requests')
  @Roles('analyst')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Propose a playbook for approval',
    description:
      'Delivered as the `requestRemediation` update. The requester cannot approve it; on a critical case two other people must.',
  })
  @ApiParam(CASE_ID_PARAM)
  @ApiOkResponse({ type: CaseDto })
  @ApiErrorResponses(400, 403, 404, 409, 415, 503)
  requestRemediation(
    @Param('id') id: string,
    @Body() body: RemediationRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CaseDto> {
    return this.cases.requestRemediation(id, body, principal) as unknown as Promise<CaseDto>;
  }

  @Post(':id/comments')
  @Roles('analyst')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: "Comment on a case (a signal; it shows in the case's timeline)" })
  @ApiParam(CASE_ID_PARAM)
  @ApiAcceptedResponse({ description: "Delivered to the case; it shows in the case's timeline." })
  @ApiErrorResponses(400, 404, 409, 415, 503)
  async comment(
    @Param('id') id: string,
    @Body() body: CommentDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.cases.comment(id, body, principal);
  }
}
