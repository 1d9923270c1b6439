import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { DECISIONS, type Decision } from '@vigil/contracts';
import { MAX_ACCEPT_RISK_DAYS, MAX_COMMENT_LENGTH } from '@vigil/domain';

/** What is decided; who decides, and in which role, comes from the API key. */
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
    minimum: 1,
    maximum: MAX_ACCEPT_RISK_DAYS,
    description: 'For accept_risk: days until the acceptance expires and the case comes back.',
  })
  @IsOptional()
  @IsInt({ message: 'acceptRiskDays must be a whole number of days' })
  @Min(1)
  @Max(MAX_ACCEPT_RISK_DAYS)
  acceptRiskDays?: number;

  @ApiPropertyOptional({
    description:
      'For false_positive: the case came from bad data (a misattributed or corrupt event), so tuning leaves the verdict out.',
  })
  @IsOptional()
  @IsBoolean({ message: 'excludeFromLearning must be a boolean' })
  excludeFromLearning?: boolean;
}

export class RemediationRequestDto {
  @ApiProperty({ example: 'revoke-scope', description: 'The playbook to propose for approval.' })
  @IsString()
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'playbookId must name a playbook' })
  playbookId!: string;

  @ApiPropertyOptional({ maxLength: MAX_COMMENT_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_COMMENT_LENGTH)
  comment?: string;
}

export class CommentDto {
  @ApiProperty({ maxLength: MAX_COMMENT_LENGTH, example: 'Asked the owner on #payments.' })
  @IsString()
  @Length(1, MAX_COMMENT_LENGTH)
  text!: string;
}
