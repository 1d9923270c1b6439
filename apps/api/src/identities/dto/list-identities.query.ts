import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import {
  IDENTITY_KINDS,
  IDENTITY_STATUSES,
  type IdentityKind,
  type IdentityStatus,
} from '@vigil/contracts';
import { MAX_IDENTITY_PAGE_SIZE } from '@vigil/persistence';

export class ListIdentitiesQuery {
  @ApiPropertyOptional({ enum: IDENTITY_KINDS })
  @IsOptional()
  @IsIn(IDENTITY_KINDS, { message: `kind must be one of ${IDENTITY_KINDS.join(', ')}` })
  kind?: IdentityKind;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) team?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) owner?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) vendor?: string;

  @ApiPropertyOptional({ enum: IDENTITY_STATUSES })
  @IsOptional()
  @IsIn(IDENTITY_STATUSES, { message: `status must be one of ${IDENTITY_STATUSES.join(', ')}` })
  status?: IdentityStatus;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page.' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_IDENTITY_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(MAX_IDENTITY_PAGE_SIZE)
  limit?: number;
}
