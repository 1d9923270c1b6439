import { Body, Controller, Get, HttpStatus, Param, Put, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { IDENTITY_ID_PATTERN } from '@vigil/domain';
import { IdentityStore } from '@vigil/persistence';
import type { Principal } from '@vigil/contracts';
import { ApiError } from '../common/api-error';
import { ApiErrorResponses } from '../common/openapi';
import {
  PlaybookDetailDto,
  PlaybookDto,
  PlaybookInputDto,
  PlaybookListDto,
  playbookResponse,
} from './dto/playbook.dto';
import { PlaybookVersionQuery } from './dto/playbook-version.query';
import { PlaybookPreviewDto, PreviewQuery } from './dto/preview.dto';
import { PlaybookPreviewService } from './playbook-preview.service';
import { PlaybooksService } from './playbooks.service';
import { CONFIG_READERS, CurrentPrincipal, Roles } from '../auth/roles';

const PLAYBOOK_ID_PARAM = { name: 'id', example: 'revoke-scope' };

@ApiTags('playbooks')
@Controller('v1/playbooks')
export class PlaybooksController {
  constructor(
    private readonly playbooks: PlaybooksService,
    private readonly previews: PlaybookPreviewService,
    private readonly identities: IdentityStore,
  ) {}

  @Get()
  @Roles(...CONFIG_READERS)
  @ApiOperation({
    summary: 'Playbooks, by id',
    description: 'The active (highest) version of each playbook, the built-in ones included.',
  })
  @ApiOkResponse({ type: PlaybookListDto })
  async list(): Promise<PlaybookListDto> {
    return { items: (await this.playbooks.list()).map(playbookResponse) };
  }

  @Get(':id')
  @Roles(...CONFIG_READERS)
  @ApiOperation({ summary: 'A playbook: its active version, or the version asked for' })
  @ApiParam(PLAYBOOK_ID_PARAM)
  @ApiOkResponse({ type: PlaybookDetailDto })
  @ApiErrorResponses(400, 404)
  async get(
    @Param('id') id: string,
    @Query() query: PlaybookVersionQuery,
  ): Promise<PlaybookDetailDto> {
    const { record, versions } = await this.playbooks.get(id, query.version);
    return {
      ...playbookResponse(record),
      versions,
      active: record.playbook.version === versions[versions.length - 1],
    };
  }

  @Put(':id')
  @Roles('admin')
  @ApiOperation({
    summary: 'Save a playbook as its next version',
    description:
      'Validates the playbook and stores it as a new version, which becomes the active one; earlier versions stay readable with `?version=`. A built-in playbook is version 1, so its first edit is version 2.',
  })
  @ApiParam(PLAYBOOK_ID_PARAM)
  @ApiBody({ type: PlaybookInputDto })
  @ApiCreatedResponse({ type: PlaybookDto, description: 'A new playbook (version 1)' })
  @ApiOkResponse({ type: PlaybookDto, description: 'A new version of an existing playbook' })
  @ApiErrorResponses(400, 409, 415)
  async put(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PlaybookDto> {
    const { record, created } = await this.playbooks.put(id, body, principal.actor);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return playbookResponse(record);
  }

  @Get(':id/preview')
  @Roles(...CONFIG_READERS)
  @ApiOperation({
    summary: 'Dry-run a playbook for a hypothetical exception',
    description:
      'Resolves the active version of the playbook for an exception of the given severity (and optional kind and deviating value) on an identity, and says whether it would run without a human. Nothing is carried out.',
  })
  @ApiParam(PLAYBOOK_ID_PARAM)
  @ApiOkResponse({ type: PlaybookPreviewDto })
  @ApiErrorResponses(400, 404, 409)
  async preview(
    @Param('id') id: string,
    @Query() query: PreviewQuery,
  ): Promise<PlaybookPreviewDto> {
    const identity = IDENTITY_ID_PATTERN.test(query.identityId)
      ? await this.identities.get(query.identityId)
      : null;
    if (!identity) {
      throw ApiError.notFound('identity_not_found', `no identity with id ${query.identityId}`);
    }
    return this.previews.dryRun(id, query, identity);
  }
}
