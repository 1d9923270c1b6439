import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '@vigil/contracts';
import { ApiErrorResponses } from '../common/openapi';
import {
  ApiKeyDto,
  ApiKeyListDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  KeyIdParam,
  ListApiKeysQuery,
} from './keys.dto';
import { KeysService } from './keys.service';
import { CurrentPrincipal, Roles } from './roles';

@ApiTags('keys')
@Controller('v1/keys')
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({
    summary: 'Create an API key',
    description:
      'Answers with the key (`vgl_<id>_<secret>`) this once; Vigil keeps only a scrypt hash of the secret.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrorResponses(400, 415)
  create(
    @Body() body: CreateApiKeyDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedApiKeyDto> {
    return this.keys.create(body, principal);
  }

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  @ApiOkResponse({ type: ApiKeyListDto })
  @ApiErrorResponses(400)
  async list(@Query() query: ListApiKeysQuery): Promise<ApiKeyListDto> {
    return { keys: await this.keys.list(query.includeRevoked ?? false) };
  }

  @Get('current')
  @Roles('ingest', 'analyst', 'auditor')
  @ApiOperation({ summary: 'The key this request was made with: who you are and your role' })
  @ApiOkResponse({ type: ApiKeyDto })
  current(@CurrentPrincipal() principal: Principal): Promise<ApiKeyDto> {
    return this.keys.get(principal.keyId);
  }

  @Delete(':id')
  @Roles('admin')
  @ApiOperation({
    summary: 'Revoke an API key',
    description:
      'The key stops working at once on this API instance and within 10 s on others. It stays listed (with `includeRevoked`) so what it did stays attributed. The last active admin key cannot be revoked.',
  })
  @ApiParam({ name: 'id', example: 'k3x9q2m7a1b4' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrorResponses(400, 404, 409)
  revoke(
    @Param() params: KeyIdParam,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApiKeyDto> {
    return this.keys.revoke(params.id, principal);
  }
}
