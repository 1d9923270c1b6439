import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import {
  AUTHORIZE_DECISIONS,
  DEFAULT_TOOL_ACTION,
  type AuthorizeDecision,
  type AuthorizeResponse,
} from '@vigil/contracts';
import { IDENTITY_ID_PATTERN } from '@vigil/domain';
import { MaxJsonSize } from '../../common/max-json-size';

export const MAX_CONTEXT_BYTES = 16 * 1024;
/** Tool names: dotted words, as agent runtimes name them; safe in a case fingerprint. */
export const TOOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/+=,-]{0,199}$/;
export const ACTION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export class AuthorizeRequestDto {
  @ApiProperty({ example: 'agent-support-bot', pattern: IDENTITY_ID_PATTERN.source })
  @IsString()
  @Matches(IDENTITY_ID_PATTERN, {
    message:
      'agentId must be 1-160 characters: letters, digits and . _ : @ / + = , -, starting with a letter or digit',
  })
  agentId!: string;

  @ApiProperty({ example: 'payments.refund', pattern: TOOL_PATTERN.source })
  @IsString()
  @Matches(TOOL_PATTERN, {
    message:
      'tool must be 1-200 characters: letters, digits and . _ : @ / + = , -, starting with a letter or digit',
  })
  tool!: string;

  @ApiPropertyOptional({
    example: DEFAULT_TOOL_ACTION,
    default: DEFAULT_TOOL_ACTION,
    description: 'An action of the policy schema.',
  })
  @IsOptional()
  @IsString()
  @Matches(ACTION_PATTERN, {
    message: 'action must be 1-100 characters: letters, digits and . _ : -',
  })
  action?: string;

  @ApiPropertyOptional({
    example: 'order:123',
    description: 'What the call acts on, `type:id` by convention.',
    nullable: true,
  })
  @IsOptional()
  @IsString({ message: 'resource must be a string' })
  @MaxLength(500, { message: 'resource must be at most 500 characters' })
  resource?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: `Facts about the call, up to ${MAX_CONTEXT_BYTES / 1024} KiB. Keys the active schema declares are checked and evaluated (a wrong type is a 400 naming the field); other keys are kept in a denial's evidence but not evaluated.`,
    example: { amount: 900, currency: 'EUR', environment: 'prod' },
  })
  @IsOptional()
  @IsObject({ message: 'context must be a JSON object' })
  @MaxJsonSize(MAX_CONTEXT_BYTES)
  context?: Record<string, unknown>;
}

export class AuthorizeResponseDto implements AuthorizeResponse {
  @ApiProperty({ enum: AUTHORIZE_DECISIONS, example: 'deny' })
  decision!: AuthorizeDecision;

  @ApiProperty({
    type: [String],
    example: ['agent-refund-limit: AI agents may not refund more than 500.00; a person has to'],
  })
  reasons!: string[];

  @ApiProperty({
    example: 'v1',
    description: 'The policy set version that decided; `none` when none was loaded.',
  })
  policyVersion!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The policy_violation case a denial opened or joined; null on allow, or when the case id was not known within 250 ms (the case is still opened).',
  })
  caseId!: string | null;

  @ApiProperty({ type: [String], example: ['agent-refund-limit'] })
  policies!: string[];

  @ApiProperty({
    description: 'False when the policies could not be evaluated and AUTHORIZE_FAIL_MODE decided.',
  })
  evaluated!: boolean;
}
