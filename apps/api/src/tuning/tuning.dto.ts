import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsISO8601,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export class TuningRunRequestDto {
  @ApiPropertyOptional({
    minimum: 0.05,
    maximum: 1,
    description: 'Target precision for this run; default TUNING_TARGET_PRECISION.',
    example: 0.8,
  })
  @IsOptional()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'targetPrecision must be a number' },
  )
  @Min(0.05)
  @Max(1)
  targetPrecision?: number;
}

export class ListRunsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(200)
  limit?: number;
}

export class ThresholdSetDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
    description: 'Threshold per detector; detectors not named keep their current threshold.',
    example: { off_hours: 0.75, novel_resource: 0.7 },
  })
  @IsObject({ message: 'thresholds.global must be an object of detector → number' })
  global!: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: 'number' } },
    description: 'Thresholds per identity kind, per detector.',
    example: { ai_agent: { novel_tool: 0.6 } },
  })
  @IsOptional()
  @IsObject({ message: 'thresholds.byIdentityKind must be an object' })
  byIdentityKind?: Record<string, unknown>;
}

export class ReplayRequestDto {
  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Window start: replay the recorded events from here (within the retention window).',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Window end (exclusive); default now.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO-8601 date-time' })
  to?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    description:
      'A batch of events to replay instead of a window, in the POST /v1/events format, against the baselines as they are now.',
  })
  @IsOptional()
  @IsArray({ message: 'events must be an array of events' })
  events?: unknown[];

  @ApiProperty({ type: ThresholdSetDto, description: 'The candidate threshold set.' })
  @IsObject({ message: 'thresholds must be an object' })
  @ValidateNested()
  @Type(() => ThresholdSetDto)
  thresholds!: ThresholdSetDto;
}

export class VerdictExclusionDto {
  @ApiProperty({ description: 'True: leave the verdict out of tuning (bad data).' })
  @IsBoolean({ message: 'excluded must be a boolean' })
  excluded!: boolean;

  @ApiPropertyOptional({ maxLength: 500, example: 'events were misattributed by the collector' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
