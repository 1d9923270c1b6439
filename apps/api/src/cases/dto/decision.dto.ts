import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { DECISIONS, type Decision } from '@vigil/contracts';
import { MAX_ACTOR_LENGTH, MAX_COMMENT_LENGTH } from '@vigil/domain';

export class DecisionDto {
  @ApiProperty({ enum: DECISIONS, example: 'accept_risk' })
  @IsIn(DECISIONS, { message: `decision must be one of ${DECISIONS.join(', ')}` })
  decision!: Decision;

  @ApiPropertyOptional({
    maxLength: MAX_COMMENT_LENGTH,
    example: 'Known batch job; owner confirmed.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_COMMENT_LENGTH)
  comment?: string;

  @ApiPropertyOptional({
    description: 'Who decides (e-mail or user name); recorded on the case.',
    maxLength: MAX_ACTOR_LENGTH,
    example: 'alice@example.com',
  })
  @IsOptional()
  @IsString()
  @Length(1, MAX_ACTOR_LENGTH)
  actor?: string;
}
