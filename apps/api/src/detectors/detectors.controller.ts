import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsNumber, Max, Min } from 'class-validator';
import {
  OWASP_NHI,
  type ExceptionKind,
  type IdentityKind,
  type TuningRun,
  type Verdict,
} from '@vigil/contracts';
import {
  DEFAULT_THRESHOLDS,
  DETECTOR_KINDS,
  DETECTOR_META,
  TUNING_WINDOW_DAYS,
  countVerdicts,
  precisionAt,
  type DetectorKind,
} from '@vigil/domain';
import { TuningStore } from '@vigil/persistence';
import type { Principal } from '@vigil/contracts';
import { ApiError } from '../common/api-error';
import { ApiErrorResponses } from '../common/openapi';
import { ThresholdCache } from './threshold-cache';
import { CONFIG_READERS, CurrentPrincipal, Roles } from '../auth/roles';

export class ThresholdDto {
  @ApiProperty({ minimum: 0, maximum: 1, example: 0.6 })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'threshold must be a number' })
  @Min(0)
  @Max(1)
  threshold!: number;
}

export class VerdictCountsDto {
  @ApiProperty() truePositive!: number;
  @ApiProperty() falsePositive!: number;
  @ApiProperty() benignExpected!: number;
  @ApiProperty() undetermined!: number;
}

export class LastTuningDto {
  @ApiProperty() runId!: string;
  @ApiProperty({ format: 'date-time' }) finishedAt!: string;
  @ApiProperty({ enum: ['applied', 'reverted'] }) status!: string;
  @ApiProperty({ nullable: true, type: Number }) before!: number | null;
  @ApiProperty({ nullable: true, type: Number }) after!: number | null;
  @ApiProperty() reason!: string;
}

export class DetectorDto {
  @ApiProperty({ enum: DETECTOR_KINDS }) kind!: string;
  @ApiProperty({ description: 'Minimum score for a deviation to open a case.' }) threshold!: number;
  @ApiProperty() defaultThreshold!: number;
  @ApiProperty({ example: 'NHI5' }) owasp!: string;
  @ApiProperty({ example: 'Overprivileged NHI' }) owaspName!: string;
  @ApiProperty({ example: 'PR.AA-05', description: 'NIST CSF 2.0 subcategory.' }) nist!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Identity kinds tuned to a threshold of their own.',
    example: { ai_agent: 0.62 },
  })
  identityKindThresholds!: Record<string, number>;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: `Confirmed share of the judged cases of the last ${TUNING_WINDOW_DAYS} days (true ÷ true + false positives); null without verdicts.`,
  })
  precision!: number | null;
  @ApiProperty({
    type: VerdictCountsDto,
    description: `Verdicts of the last ${TUNING_WINDOW_DAYS} days.`,
  })
  verdicts!: VerdictCountsDto;
  @ApiProperty({ description: `Cases opened in the last ${TUNING_WINDOW_DAYS} days.` })
  caseVolume!: number;
  @ApiProperty({
    type: LastTuningDto,
    nullable: true,
    description: 'The latest tuning run that moved or considered this detector.',
  })
  lastTuning!: LastTuningDto | null;
}

@ApiTags('detectors')
@Controller('v1/detectors')
export class DetectorsController {
  constructor(
    private readonly thresholds: ThresholdCache,
    private readonly tuning: TuningStore,
  ) {}

  @Get()
  @Roles(...CONFIG_READERS)
  @ApiOperation({
    summary: 'Detectors: thresholds, precision from verdicts, case volume, last tuning run',
  })
  @ApiOkResponse({ type: [DetectorDto] })
  async list(): Promise<DetectorDto[]> {
    const facts = await this.facts();
    return DETECTOR_KINDS.map((kind) => describe(kind, facts));
  }

  private async facts(): Promise<DetectorFacts> {
    const since = new Date(Date.now() - TUNING_WINDOW_DAYS * 86_400_000);
    const [current, byKind, window, volume, runs] = await Promise.all([
      this.thresholds.current(),
      this.thresholds.byIdentityKind(),
      this.tuning.verdicts(since),
      this.tuning.caseVolume(since),
      this.tuning.runs(20),
    ]);
    return { current, byKind, verdicts: window.verdicts, volume, runs };
  }

  @Put(':kind/threshold')
  @Roles('admin')
  @ApiOperation({ summary: "Set a detector's threshold" })
  @ApiOkResponse({ type: DetectorDto })
  @ApiErrorResponses(400, 404)
  async setThreshold(
    @Param('kind') kind: string,
    @Body() body: ThresholdDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DetectorDto> {
    if (!(DETECTOR_KINDS as readonly string[]).includes(kind)) {
      throw ApiError.notFound('detector_not_found', `no detector ${kind}; see GET /v1/detectors`);
    }
    await this.thresholds.set(kind as DetectorKind, body.threshold, principal.actor);
    return describe(kind as DetectorKind, await this.facts());
  }
}

interface DetectorFacts {
  readonly current: Readonly<Record<ExceptionKind, number>>;
  readonly byKind: Partial<Record<IdentityKind, Partial<Record<ExceptionKind, number>>>>;
  readonly verdicts: readonly Verdict[];
  readonly volume: ReadonlyMap<string, number>;
  readonly runs: readonly TuningRun[];
}

function describe(kind: DetectorKind, facts: DetectorFacts): DetectorDto {
  const meta = DETECTOR_META[kind];
  const own = facts.verdicts.filter((v) => v.detector === kind);
  const identityKindThresholds: Record<string, number> = {};
  for (const [identityKind, thresholds] of Object.entries(facts.byKind)) {
    const value = thresholds?.[kind];
    if (value !== undefined) identityKindThresholds[identityKind] = value;
  }
  let lastTuning: LastTuningDto | null = null;
  for (const run of facts.runs) {
    const change = [...run.thresholds, ...run.unchanged].find(
      (c) => c.detector === kind && c.identityKind === null,
    );
    if (!change) continue;
    lastTuning = {
      runId: run.id,
      finishedAt: run.finishedAt,
      status: run.status,
      before: change.before,
      after: change.after,
      reason: change.reason,
    };
    break;
  }
  return {
    kind,
    threshold: facts.current[kind],
    defaultThreshold: DEFAULT_THRESHOLDS[kind],
    owasp: meta.owasp,
    owaspName: OWASP_NHI[meta.owasp],
    nist: meta.nist,
    identityKindThresholds,
    precision: precisionAt(own, -Infinity),
    verdicts: countVerdicts(own),
    caseVolume: facts.volume.get(kind) ?? 0,
    lastTuning,
  };
}
