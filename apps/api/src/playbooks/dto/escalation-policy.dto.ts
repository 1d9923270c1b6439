import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ESCALATION_ROUTES,
  SEVERITIES,
  type EscalationRoute,
  type EscalationTier,
  type FailSafe,
  type Severity,
} from '@vigil/contracts';
import { FAIL_SAFE_DECISIONS } from '@vigil/domain';
import type { EscalationPolicyRecord } from '@vigil/persistence';

export class EscalationTierDto implements EscalationTier {
  @ApiProperty({ enum: ESCALATION_ROUTES }) route!: EscalationRoute;
  @ApiProperty({ example: 240, description: 'Minutes the tier has to decide.' })
  deadlineMinutes!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 60,
    description: 'A reminder this many minutes before the deadline.',
  })
  reminderMinutes!: number | null;
}

export class FailSafeDto implements FailSafe {
  @ApiProperty({ enum: FAIL_SAFE_DECISIONS }) decision!: FailSafe['decision'];
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'For accept_risk: days until the case comes back; otherwise null.',
  })
  acceptRiskDays!: number | null;
}

/** The body of PUT /v1/escalation-policies/:severity. */
export class EscalationPolicyInputDto {
  @ApiPropertyOptional({ enum: SEVERITIES, description: 'When given, the severity in the path.' })
  severity?: Severity;
  @ApiProperty({ type: EscalationTierDto }) tier1!: EscalationTierDto;
  @ApiProperty({ type: EscalationTierDto }) tier2!: EscalationTierDto;
  @ApiProperty({ type: FailSafeDto }) failSafe!: FailSafeDto;
}

export class EscalationPolicyDto {
  @ApiProperty({ enum: SEVERITIES }) severity!: Severity;
  @ApiProperty({ type: EscalationTierDto }) tier1!: EscalationTier;
  @ApiProperty({ type: EscalationTierDto }) tier2!: EscalationTier;
  @ApiProperty({ type: FailSafeDto }) failSafe!: FailSafe;
  @ApiProperty({ description: 'True while the built-in default applies.' }) isDefault!: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) updatedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) updatedBy!: string | null;
}

export class EscalationPolicyListDto {
  @ApiProperty({ type: [EscalationPolicyDto], description: 'One per severity, lowest first.' })
  items!: EscalationPolicyDto[];
}

export function escalationPolicyResponse(record: EscalationPolicyRecord): EscalationPolicyDto {
  return {
    ...record.policy,
    isDefault: record.isDefault,
    updatedAt: record.updatedAt ? record.updatedAt.toISOString() : null,
    updatedBy: record.updatedBy,
  };
}
