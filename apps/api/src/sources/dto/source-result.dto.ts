import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IngestResultDto } from '../../events/dto/ingest-result.dto';

export const RECORD_STATUSES = ['accepted', 'duplicate', 'rejected'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

export class SourceRecordResultDto {
  @ApiProperty({ description: 'Position of the record in the request (flattened).' })
  index!: number;
  @ApiProperty({ enum: RECORD_STATUSES }) status!: RecordStatus;
  @ApiPropertyOptional({ description: 'The Vigil event id the record became.' })
  eventId?: string;
  @ApiPropertyOptional({ description: 'The identity the record was attributed to.' })
  identityId?: string;
  @ApiPropertyOptional({ example: 'secret.accessed' }) type?: string;
  @ApiPropertyOptional({ example: 'validation_failed' }) code?: string;
  @ApiPropertyOptional({ description: 'Why a rejected record was refused.' }) message?: string;
}

export class SourceIngestResultDto extends IngestResultDto {
  @ApiProperty({
    type: [SourceRecordResultDto],
    description: 'What became of each input record, in request order.',
  })
  records!: SourceRecordResultDto[];
}
