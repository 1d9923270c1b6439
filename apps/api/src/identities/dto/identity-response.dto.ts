import { ApiProperty } from '@nestjs/swagger';
import {
  CRITICALITIES,
  IDENTITY_KINDS,
  IDENTITY_STATUSES,
  type Criticality,
  type IdentityKind,
  type IdentityPolicy,
  type IdentityStatus,
} from '@vigil/contracts';
import type { StoredIdentity } from '@vigil/persistence';
import { IdentityPolicyDto } from './identity.dto';

export class IdentityResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: IDENTITY_KINDS }) kind!: IdentityKind;
  @ApiProperty({ nullable: true, type: String }) owner!: string | null;
  @ApiProperty({ nullable: true, type: String }) team!: string | null;
  @ApiProperty({ nullable: true, type: String }) vendor!: string | null;
  @ApiProperty({ enum: CRITICALITIES }) criticality!: Criticality;
  @ApiProperty({ nullable: true, type: String }) environment!: string | null;
  @ApiProperty({ type: IdentityPolicyDto }) policy!: IdentityPolicy;
  @ApiProperty({ enum: IDENTITY_STATUSES }) status!: IdentityStatus;
  @ApiProperty({ description: 'Registered from telemetry before anyone declared it.' })
  autoRegistered!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() updatedBy!: string;
}

export class IdentityListDto {
  @ApiProperty({ type: [IdentityResponseDto] }) items!: IdentityResponseDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ImportRejectionDto {
  @ApiProperty() index!: number;
  @ApiProperty({ example: 'validation_failed' }) code!: string;
  @ApiProperty({ example: 'identities[3].criticality' }) field!: string;
  @ApiProperty() message!: string;
}

export class ImportResultDto {
  @ApiProperty() created!: number;
  @ApiProperty() updated!: number;
  @ApiProperty({ type: [ImportRejectionDto] }) rejected!: ImportRejectionDto[];
}

export function identityResponse(identity: StoredIdentity): IdentityResponseDto {
  return {
    id: identity.id,
    kind: identity.kind,
    owner: identity.owner,
    team: identity.team,
    vendor: identity.vendor,
    criticality: identity.criticality,
    environment: identity.environment,
    policy: identity.policy,
    status: identity.status,
    autoRegistered: identity.autoRegistered,
    createdAt: new Date(identity.createdAt).toISOString(),
    updatedAt: new Date(identity.updatedAt).toISOString(),
    updatedBy: identity.updatedBy,
  };
}
