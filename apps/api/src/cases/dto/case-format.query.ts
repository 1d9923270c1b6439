import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export const CASE_FORMATS = ['vigil', 'ocsf'] as const;
export type CaseFormat = (typeof CASE_FORMATS)[number];

export class CaseFormatQuery {
  @ApiPropertyOptional({
    enum: CASE_FORMATS,
    default: 'vigil',
    description: '`ocsf`: the case as an OCSF 1.3 Detection Finding (class_uid 2004).',
  })
  @IsOptional()
  @IsIn(CASE_FORMATS, { message: `format must be one of ${CASE_FORMATS.join(', ')}` })
  format?: CaseFormat;
}
