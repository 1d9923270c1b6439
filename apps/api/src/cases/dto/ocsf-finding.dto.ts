import { ApiProperty } from '@nestjs/swagger';

/** The documented core of an OCSF Detection Finding; the full object follows OCSF 1.3. */
export class OcsfDetectionFindingDto {
  @ApiProperty({ example: 2004 }) class_uid!: number;
  @ApiProperty({ example: 'Detection Finding' }) class_name!: string;
  @ApiProperty({ example: 2 }) category_uid!: number;
  @ApiProperty({ example: 1, description: '1 Create, 2 Update, 3 Close' }) activity_id!: number;
  @ApiProperty({ example: 200401 }) type_uid!: number;
  @ApiProperty({ description: 'Epoch milliseconds of the last change.' }) time!: number;
  @ApiProperty({ description: "The detector's reason." }) message!: string;
  @ApiProperty({ example: 4, description: '2 Low, 3 Medium, 4 High, 5 Critical' })
  severity_id!: number;
  @ApiProperty({ example: 1, description: '1 New, 2 In Progress, 3 Suppressed, 4 Resolved' })
  status_id!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'uid (the case id), title, desc, types, created/first/last seen times, analytic.',
  })
  finding_info!: Record<string, unknown>;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  resources!: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  evidences!: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  observables!: Record<string, unknown>[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'version (OCSF), product (Vigil), uid, correlation_uid (the fingerprint).',
  })
  metadata!: Record<string, unknown>;
}
