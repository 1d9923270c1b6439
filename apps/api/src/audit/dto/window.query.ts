import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiError } from '../../common/api-error';

/** The longest window a report or an export covers. */
export const MAX_WINDOW_DAYS = 366;
const DAY_MS = 86_400_000;

export class WindowQuery {
  @ApiProperty({
    description: 'Start of the window (inclusive), ISO 8601.',
    example: '2026-11-01T00:00:00Z',
  })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date or date-time' })
  from!: string;

  @ApiProperty({
    description: `End of the window (exclusive), ISO 8601; at most ${MAX_WINDOW_DAYS} days after from.`,
    example: '2026-12-01T00:00:00Z',
  })
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date or date-time' })
  to!: string;
}

export const EXPORT_FORMATS = ['json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const MAX_EXPORT_PAGE = 1_000;

export class ExceptionsQuery extends WindowQuery {
  @ApiPropertyOptional({
    enum: EXPORT_FORMATS,
    default: 'json',
    description: 'json: a page of rows with nextCursor; csv: every row of the window.',
  })
  @IsOptional()
  @IsIn(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(', ')}` })
  format?: ExportFormat;

  @ApiPropertyOptional({ description: 'json only: nextCursor of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_EXPORT_PAGE, default: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(MAX_EXPORT_PAGE, { message: `limit must be at most ${MAX_EXPORT_PAGE}` })
  limit?: number;
}

/** The window as dates: from before to, at most MAX_WINDOW_DAYS long. */
export function windowOf(query: WindowQuery): { from: Date; to: Date } {
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (Number.isNaN(from.getTime())) throw ApiError.validation('from', 'from is not a valid date');
  if (Number.isNaN(to.getTime())) throw ApiError.validation('to', 'to is not a valid date');
  if (from.getTime() >= to.getTime()) throw ApiError.validation('to', 'to must be after from');
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) {
    throw ApiError.validation('to', `the window may span at most ${MAX_WINDOW_DAYS} days`);
  }
  return { from, to };
}
