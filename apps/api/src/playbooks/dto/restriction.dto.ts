import { ApiProperty } from '@nestjs/swagger';
import type { IdentityRestriction } from '@vigil/persistence';

export class RestrictionDto {
  @ApiProperty({ enum: ['scope', 'tool'] }) kind!: 'scope' | 'tool';
  @ApiProperty({ example: 'payments.refund' }) value!: string;
  @ApiProperty({ description: 'The case whose remediation put it in place.' }) caseId!: string;
  @ApiProperty({ example: 'c0ffee:block-tool' }) idempotencyKey!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class RestrictionListDto {
  @ApiProperty() identityId!: string;
  @ApiProperty({ type: [RestrictionDto], description: 'Oldest first.' }) items!: RestrictionDto[];
}

export function restrictionResponse(restriction: IdentityRestriction): RestrictionDto {
  return {
    kind: restriction.kind,
    value: restriction.value,
    caseId: restriction.caseId,
    idempotencyKey: restriction.idempotencyKey,
    createdAt: restriction.createdAt.toISOString(),
  };
}
