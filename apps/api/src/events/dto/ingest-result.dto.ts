import { ApiProperty } from '@nestjs/swagger';
import { EXCEPTION_KINDS, SEVERITIES } from '@vigil/contracts';

export class EventRejectionDto {
  @ApiProperty() index!: number;
  @ApiProperty({ example: 'validation_failed' }) code!: string;
  @ApiProperty({ example: 'events[3].time' }) field!: string;
  @ApiProperty() message!: string;
}

export class RaisedExceptionDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The case handling it; null while pending.',
  })
  caseId!: string | null;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ enum: EXCEPTION_KINDS }) kind!: string;
  @ApiProperty() identityId!: string;
  @ApiProperty({ enum: SEVERITIES }) severity!: string;
  @ApiProperty({ description: 'Joined a case that was already open.' }) deduplicated!: boolean;
  @ApiProperty({
    description:
      'Temporal was unavailable: the report is kept and delivered as soon as it is back.',
  })
  pending!: boolean;
}

export class IngestResultDto {
  @ApiProperty({ description: 'New events processed.' }) accepted!: number;
  @ApiProperty({ description: 'Events already ingested (by id), counted once.' })
  duplicates!: number;
  @ApiProperty({ type: [EventRejectionDto] }) rejected!: EventRejectionDto[];
  @ApiProperty({ type: [RaisedExceptionDto] }) exceptions!: RaisedExceptionDto[];
}
