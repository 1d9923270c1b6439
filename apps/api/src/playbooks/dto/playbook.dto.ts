import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CONNECTOR_KINDS,
  CRITICALITIES,
  EXCEPTION_KINDS,
  IDENTITY_KINDS,
  REMEDIATION_ACTIONS,
  SEVERITIES,
  type AutoCeiling,
  type ConnectorKind,
  type Criticality,
  type ExceptionKind,
  type IdentityKind,
  type Playbook,
  type PlaybookStep,
  type RemediationAction,
  type Severity,
} from '@vigil/contracts';
import type { PlaybookRecord } from '@vigil/persistence';

export class PlaybookStepDto implements PlaybookStep {
  @ApiProperty({ example: 'restrict-scope', description: 'Unique within the playbook.' })
  name!: string;

  @ApiProperty({ enum: REMEDIATION_ACTIONS }) action!: RemediationAction;

  @ApiProperty({
    enum: CONNECTOR_KINDS,
    description: '`internal` acts on the inventory; `webhook` calls the remediation endpoint.',
  })
  connector!: ConnectorKind;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { scope: '{{value}}' },
    description:
      'Literals or `{{identityId}}`, `{{value}}`, `{{evidence.<key>}}`, `{{identity.<field>}}`.',
  })
  params!: Record<string, string>;

  @ApiProperty({ description: 'Read the effect back after the step.' }) verify!: boolean;

  @ApiProperty({ description: 'Undo the step when a later step fails.' }) compensate!: boolean;
}

export class PlaybookMatchesDto {
  @ApiProperty({ enum: EXCEPTION_KINDS, isArray: true }) kinds!: ExceptionKind[];

  @ApiProperty({ enum: IDENTITY_KINDS, isArray: true, description: 'Empty: any identity kind.' })
  identityKinds!: IdentityKind[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', pattern: '^[a-z_]{1,32}$' },
    maxItems: 10,
    example: ['scope'],
    description:
      'The deviating value must be of one of these dimensions (`scope`, `tool`, `resource`, ' +
      '`decision`, …): for policy_violation the `violation` in the evidence details, for ' +
      'novel_scope, novel_tool, novel_resource and privilege_elevation the scope, tool, ' +
      'resource and scope, else the `dimension` in the evidence details. Absent or empty: ' +
      'any; a playbook constrained to dimensions beats one that is not.',
  })
  dimensions?: string[];
}

export class AutoCeilingDto implements AutoCeiling {
  @ApiProperty({ enum: SEVERITIES }) maxSeverity!: Severity;
  @ApiProperty({ enum: CRITICALITIES }) maxCriticality!: Criticality;
}

/** The body of PUT /v1/playbooks/:id. */
export class PlaybookInputDto {
  @ApiPropertyOptional({ description: 'When given, the id in the path.' }) id?: string;

  @ApiPropertyOptional({
    description:
      'The version this save creates; when given and another save took it first, the answer is 409.',
  })
  version?: number;

  @ApiProperty({ example: 'Revoke a scope the identity should not hold' }) title!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: PlaybookMatchesDto }) matches!: PlaybookMatchesDto;
  @ApiProperty({ type: [PlaybookStepDto] }) steps!: PlaybookStepDto[];

  @ApiProperty({
    type: AutoCeilingDto,
    nullable: true,
    description: 'The most a case may be to run without a human; null: never automatic.',
  })
  autoCeiling!: AutoCeilingDto | null;

  @ApiProperty({ description: 'Also the containment when an analyst decides `contain`.' })
  containment!: boolean;
}

export class PlaybookDto {
  @ApiProperty({ example: 'revoke-scope' }) id!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty() title!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: PlaybookMatchesDto }) matches!: Playbook['matches'];
  @ApiProperty({ type: [PlaybookStepDto] }) steps!: Playbook['steps'];
  @ApiProperty({ type: AutoCeilingDto, nullable: true }) autoCeiling!: AutoCeiling | null;
  @ApiProperty() containment!: boolean;

  @ApiProperty({ description: "A built-in playbook's version 1." }) builtIn!: boolean;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'null for a built-in playbook nobody has edited.',
  })
  createdAt!: string | null;

  @ApiProperty() createdBy!: string;
}

export class PlaybookListDto {
  @ApiProperty({ type: [PlaybookDto], description: 'The active version of each playbook.' })
  items!: PlaybookDto[];
}

export class PlaybookDetailDto extends PlaybookDto {
  @ApiProperty({ type: [Number], description: 'Every version of the playbook, oldest first.' })
  versions!: number[];

  @ApiProperty({ description: 'Whether this is the active (highest) version.' })
  active!: boolean;
}

export function playbookResponse(record: PlaybookRecord): PlaybookDto {
  return {
    ...record.playbook,
    builtIn: record.builtIn,
    createdAt: record.createdAt ? record.createdAt.toISOString() : null,
    createdBy: record.createdBy,
  };
}
