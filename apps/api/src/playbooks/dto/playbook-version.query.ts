import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';

export class PlaybookVersionQuery {
  @ApiPropertyOptional({ minimum: 1, description: 'A version; by default the active one.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'version must be a positive integer' })
  @Min(1, { message: 'version must be a positive integer' })
  version?: number;
}
