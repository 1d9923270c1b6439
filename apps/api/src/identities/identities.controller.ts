import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '@vigil/contracts';
import type { BatchBody } from '../common/batch-body';
import { ApiErrorResponses } from '../common/openapi';
import { IdentityDto } from './dto/identity.dto';
import {
  IdentityListDto,
  IdentityResponseDto,
  ImportResultDto,
  identityResponse,
} from './dto/identity-response.dto';
import { ListIdentitiesQuery } from './dto/list-identities.query';
import type { BaselineView } from './baseline-view';
import { IdentitiesService } from './identities.service';
import { CONFIG_READERS, CurrentPrincipal, Roles } from '../auth/roles';

@ApiTags('identities')
@Controller('v1/identities')
export class IdentitiesController {
  constructor(private readonly identities: IdentitiesService) {}

  @Get()
  @Roles(...CONFIG_READERS)
  @ApiOperation({ summary: 'List identities, by id' })
  @ApiOkResponse({ type: IdentityListDto })
  @ApiErrorResponses(400)
  async list(@Query() query: ListIdentitiesQuery): Promise<IdentityListDto> {
    const page = await this.identities.list(query);
    return { items: page.items.map(identityResponse), nextCursor: page.nextCursor };
  }

  @Post('import')
  @Roles('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Import identities in bulk',
    description:
      'A JSON array or NDJSON of identities, each with its `id`. Valid ones are created or replaced; invalid ones are listed by index and change nothing.',
  })
  @ApiConsumes('application/json', 'application/x-ndjson')
  @ApiBody({ schema: { type: 'array', items: { type: 'object' } } })
  @ApiOkResponse({ type: ImportResultDto })
  @ApiErrorResponses(400, 413, 415)
  import(
    @Body() body: BatchBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ImportResultDto> {
    return this.identities.import(body.text, body.format, principal.actor);
  }

  @Get(':id')
  @Roles(...CONFIG_READERS)
  @ApiOperation({ summary: 'An identity' })
  @ApiOkResponse({ type: IdentityResponseDto })
  @ApiErrorResponses(404)
  async get(@Param('id') id: string): Promise<IdentityResponseDto> {
    return identityResponse(await this.identities.get(id));
  }

  @Get(':id/baseline')
  @Roles(...CONFIG_READERS)
  @ApiOperation({
    summary: "An identity's learned baseline",
    description:
      'What Vigil considers normal for the identity: its most used values per dimension, its active hours, hourly rates per action, credential lifecycle intervals, and whether it is still learning.',
  })
  @ApiOkResponse({ schema: { type: 'object' } })
  @ApiErrorResponses(404)
  baseline(@Param('id') id: string): Promise<BaselineView> {
    return this.identities.baseline(id);
  }

  @Put(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Declare an identity (create or replace)' })
  @ApiOkResponse({ type: IdentityResponseDto, description: 'Replaced' })
  @ApiCreatedResponse({ type: IdentityResponseDto, description: 'Created' })
  @ApiErrorResponses(400, 415)
  async put(
    @Param('id') id: string,
    @Body() body: IdentityDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<IdentityResponseDto> {
    const { identity, created } = await this.identities.put(id, body, principal.actor);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return identityResponse(identity);
  }
}
