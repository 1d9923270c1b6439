import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import {
  CASE_STATUSES,
  EXCEPTION_KINDS,
  SEVERITIES,
  type CaseStatus,
  type ExceptionKind,
  type Severity,
} from '@vigil/contracts';
import { IDENTITY_ID_PATTERN } from '@vigil/domain';

export const MAX_PAGE_SIZE = 200;

export class ListCasesQuery {
  @ApiPropertyOptional({ enum: CASE_STATUSES })
  @IsOptional()
  @IsIn(CASE_STATUSES, { message: `status must be one of ${CASE_STATUSES.join(', ')}` })
  status?: CaseStatus;

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES, { message: `severity must be one of ${SEVERITIES.join(', ')}` })
  severity?: Severity;

  @ApiPropertyOptional({ example: 'svc-payments' })
  @IsOptional()
  @Matches(IDENTITY_ID_PATTERN, { message: 'identityId is not a valid identity id' })
  identityId?: string;

  @ApiPropertyOptional({ enum: EXCEPTION_KINDS })
  @IsOptional()
  @IsIn(EXCEPTION_KINDS, { message: `kind must be one of ${EXCEPTION_KINDS.join(', ')}` })
  kind?: ExceptionKind;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page.' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}
