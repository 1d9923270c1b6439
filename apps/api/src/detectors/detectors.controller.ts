import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsNumber, Max, Min } from 'class-validator';
import { OWASP_NHI, type ExceptionKind } from '@vigil/contracts';
import {
  DEFAULT_THRESHOLDS,
  DETECTOR_KINDS,
  DETECTOR_META,
  type DetectorKind,
} from '@vigil/domain';
import { API_ACTOR } from '../common/actor';
import { ApiError } from '../common/api-error';
import { ApiErrorResponses } from '../common/openapi';
import { ThresholdCache } from './threshold-cache';

export class ThresholdDto {
  @ApiProperty({ minimum: 0, maximum: 1, example: 0.6 })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'threshold must be a number' })
  @Min(0)
  @Max(1)
  threshold!: number;
}

export class DetectorDto {
  @ApiProperty({ enum: DETECTOR_KINDS }) kind!: string;
  @ApiProperty({ description: 'Minimum score for a deviation to open a case.' }) threshold!: number;
  @ApiProperty() defaultThreshold!: number;
  @ApiProperty({ example: 'NHI5' }) owasp!: string;
  @ApiProperty({ example: 'Overprivileged NHI' }) owaspName!: string;
  @ApiProperty({ example: 'PR.AA-05', description: 'NIST CSF 2.0 subcategory.' }) nist!: string;
}

@ApiTags('detectors')
@Controller('v1/detectors')
export class DetectorsController {
  constructor(private readonly thresholds: ThresholdCache) {}

  @Get()
  @ApiOperation({ summary: 'Detectors with their thresholds and the controls they serve' })
  @ApiOkResponse({ type: [DetectorDto] })
  async list(): Promise<DetectorDto[]> {
    const current = await this.thresholds.current();
    return DETECTOR_KINDS.map((kind) => describe(kind, current));
  }

  @Put(':kind/threshold')
  @ApiOperation({ summary: "Set a detector's threshold" })
  @ApiOkResponse({ type: DetectorDto })
  @ApiErrorResponses(400, 404)
  async setThreshold(
    @Param('kind') kind: string,
    @Body() body: ThresholdDto,
  ): Promise<DetectorDto> {
    if (!(DETECTOR_KINDS as readonly string[]).includes(kind)) {
      throw ApiError.notFound('detector_not_found', `no detector ${kind}; see GET /v1/detectors`);
    }
    await this.thresholds.set(kind as DetectorKind, body.threshold, API_ACTOR);
    return describe(kind as DetectorKind, await this.thresholds.current());
  }
}

function describe(
  kind: DetectorKind,
  current: Readonly<Record<ExceptionKind, number>>,
): DetectorDto {
  const meta = DETECTOR_META[kind];
  return {
    kind,
    threshold: current[kind],
    defaultThreshold: DEFAULT_THRESHOLDS[kind],
    owasp: meta.owasp,
    owaspName: OWASP_NHI[meta.owasp],
    nist: meta.nist,
  };
}
