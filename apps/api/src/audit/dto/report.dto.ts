import { ApiProperty } from '@nestjs/swagger';
import { EXCEPTION_KINDS, OWASP_NHI } from '@vigil/contracts';
import { CSF_DETECT_SUBCATEGORIES, MAESTRO_LAYERS } from '@vigil/domain';

export class ControlFiguresDto {
  @ApiProperty({ description: 'Cases opened in the window.' }) exceptions!: number;
  @ApiProperty({ description: 'Of them, resolved.' }) resolved!: number;
  @ApiProperty({ description: 'Resolved by a playbook with no person involved.' })
  autoRemediated!: number;
  @ApiProperty({ description: 'Sent to a person for a decision.' }) escalatedToHumans!: number;
  @ApiProperty({
    description:
      'A decision deadline passed: re-escalated to tier 2, closed by the fail-safe default, or open past its deadline.',
  })
  slaBreaches!: number;
  @ApiProperty() truePositives!: number;
  @ApiProperty() falsePositives!: number;
  @ApiProperty() benignExpected!: number;
  @ApiProperty({ description: 'Verdicts left out as bad data.' }) excludedVerdicts!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'true positives / (true + false positives), from analyst verdicts.',
  })
  precision!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean time to acknowledge, ms.' })
  mttaMs!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean time to resolve, ms.' })
  mttrMs!: number | null;
}

export class DetectorFiguresDto extends ControlFiguresDto {
  @ApiProperty({ enum: EXCEPTION_KINDS }) detector!: string;
}

export class OwaspFiguresDto extends ControlFiguresDto {
  @ApiProperty({ enum: [...Object.keys(OWASP_NHI), 'unmapped'] }) category!: string;
  @ApiProperty() name!: string;
}

export class CsfFiguresDto extends ControlFiguresDto {
  @ApiProperty({ enum: Object.keys(CSF_DETECT_SUBCATEGORIES) }) subcategory!: string;
  @ApiProperty() name!: string;
}

export class MaestroFiguresDto extends ControlFiguresDto {
  @ApiProperty({ enum: [...Object.keys(MAESTRO_LAYERS), 'unmapped'] }) layer!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: EXCEPTION_KINDS, isArray: true }) detectors!: string[];
}

export class ControlEffectivenessDto extends ControlFiguresDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({
    description: 'Events with a time in the window, among those still within event retention.',
  })
  eventsObserved!: number;
  @ApiProperty({ type: Number, nullable: true }) exceptionsPer1000Events!: number | null;
  @ApiProperty({ type: [DetectorFiguresDto] }) byDetector!: DetectorFiguresDto[];
  @ApiProperty({ type: [OwaspFiguresDto], description: 'OWASP Top 10 for Non-Human Identities.' })
  byOwaspNhi!: OwaspFiguresDto[];
  @ApiProperty({
    type: [CsfFiguresDto],
    description: 'NIST CSF 2.0 Detect subcategories (DE.CM, DE.AE).',
  })
  byNistCsf!: CsfFiguresDto[];
  @ApiProperty({
    type: [MaestroFiguresDto],
    description: 'CSA MAESTRO layers, for cases about AI agents.',
  })
  byMaestroLayer!: MaestroFiguresDto[];
}
