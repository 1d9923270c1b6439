import type { OwaspNhiCategory } from '../../../contracts/src/telemetry';
import type {
  Disposition,
  ExceptionKind,
  IdentityKind,
  Resolution,
  Severity,
} from '../../../contracts/src/vocabulary';
import {
  CSF_DETECT,
  CSF_DETECT_SUBCATEGORIES,
  MAESTRO_LAYERS,
  MAESTRO_OF_AGENT_CASE,
  frameworkMetaOf,
  owaspNameOf,
  type CsfDetectSubcategory,
  type MaestroLayer,
} from './frameworks';

/** One case opened in the report's window, as the database records it. */
export interface ReportCase {
  readonly id: string;
  readonly kind: ExceptionKind;
  readonly identityKind: IdentityKind | null;
  readonly severity: Severity;
  readonly resolution: Resolution | null;
  /** The case went to a person (a tier-1 escalation). */
  readonly escalated: boolean;
  /** A decision deadline passed: re-escalated to tier 2, closed by its fail-safe, or overdue. */
  readonly slaBreached: boolean;
  readonly timeToAcknowledgeMs: number | null;
  readonly timeToResolveMs: number | null;
  /** The analyst's verdict, once resolved; excluded verdicts came from bad data. */
  readonly verdict: { readonly disposition: Disposition; readonly excluded: boolean } | null;
}

export interface ControlEffectivenessInput {
  readonly from: string;
  readonly to: string;
  /** Events recorded with a time in the window (those still within event retention). */
  readonly eventsObserved: number;
  readonly cases: readonly ReportCase[];
}

/** The figures of any group of cases. */
export interface ControlFigures {
  readonly exceptions: number;
  readonly resolved: number;
  readonly autoRemediated: number;
  readonly escalatedToHumans: number;
  readonly slaBreaches: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly benignExpected: number;
  /** Verdicts left out of precision (and tuning) as bad data. */
  readonly excludedVerdicts: number;
  /** True positives / (true + false positives); null without any. */
  readonly precision: number | null;
  /** Mean time to acknowledge (first human action), ms; null when nobody acted. */
  readonly mttaMs: number | null;
  /** Mean time to resolve, ms, over resolved cases; null when none resolved. */
  readonly mttrMs: number | null;
}

export interface ControlEffectivenessReport extends ControlFigures {
  readonly from: string;
  readonly to: string;
  readonly eventsObserved: number;
  /** Exceptions raised per 1,000 events observed; null without events. */
  readonly exceptionsPer1000Events: number | null;
  readonly byDetector: ReadonlyArray<{ readonly detector: ExceptionKind } & ControlFigures>;
  readonly byOwaspNhi: ReadonlyArray<
    { readonly category: OwaspNhiCategory | 'unmapped'; readonly name: string } & ControlFigures
  >;
  readonly byNistCsf: ReadonlyArray<
    { readonly subcategory: CsfDetectSubcategory; readonly name: string } & ControlFigures
  >;
  /** Cases about AI agents (identity kind `ai_agent`) only. */
  readonly byMaestroLayer: ReadonlyArray<
    {
      readonly layer: MaestroLayer | 'unmapped';
      readonly name: string;
      readonly detectors: readonly ExceptionKind[];
    } & ControlFigures
  >;
}

/** The control-effectiveness report of a window, computed from its recorded cases. */
export function controlEffectiveness(input: ControlEffectivenessInput): ControlEffectivenessReport {
  const { cases } = input;
  const byDetector = groupBy(cases, (c) => c.kind);
  const byOwasp = groupBy(cases, (c) => frameworkMetaOf(c.kind)?.owasp ?? 'unmapped');
  const byCsf = groupBy(cases, (c) => CSF_DETECT[c.kind]);
  const agentCases = cases.filter((c) => c.identityKind === 'ai_agent');
  const byMaestro = groupBy(agentCases, (c) => MAESTRO_OF_AGENT_CASE[c.kind]?.layer ?? 'unmapped');
  return {
    from: input.from,
    to: input.to,
    eventsObserved: input.eventsObserved,
    ...figuresOf(cases),
    exceptionsPer1000Events:
      input.eventsObserved === 0 ? null : round((cases.length * 1000) / input.eventsObserved, 3),
    byDetector: [...byDetector]
      .sort(([a], [b]) => compare(a, b))
      .map(([detector, group]) => ({ detector, ...figuresOf(group) })),
    byOwaspNhi: [...byOwasp]
      .sort(([a], [b]) => owaspOrder(a) - owaspOrder(b))
      .map(([category, group]) => ({
        category,
        name: category === 'unmapped' ? 'Not mapped (outside findings)' : owaspNameOf(category),
        ...figuresOf(group),
      })),
    byNistCsf: [...byCsf]
      .sort(([a], [b]) => compare(a, b))
      .map(([subcategory, group]) => ({
        subcategory,
        name: CSF_DETECT_SUBCATEGORIES[subcategory],
        ...figuresOf(group),
      })),
    byMaestroLayer: [...byMaestro]
      .sort(([a], [b]) => compare(a, b))
      .map(([layer, group]) => ({
        layer,
        name: layer === 'unmapped' ? 'Not mapped (outside findings)' : MAESTRO_LAYERS[layer],
        detectors: [...new Set(group.map((c) => c.kind))].sort(compare),
        ...figuresOf(group),
      })),
  };
}

/** Figures of a group of cases. */
export function figuresOf(cases: readonly ReportCase[]): ControlFigures {
  let resolved = 0;
  let autoRemediated = 0;
  let escalated = 0;
  let breaches = 0;
  let tp = 0;
  let fp = 0;
  let benign = 0;
  let excluded = 0;
  const acknowledge: number[] = [];
  const resolve: number[] = [];
  for (const c of cases) {
    if (c.resolution !== null) resolved += 1;
    if (c.resolution === 'auto_remediated') autoRemediated += 1;
    if (c.escalated) escalated += 1;
    if (c.slaBreached) breaches += 1;
    if (c.timeToAcknowledgeMs !== null) acknowledge.push(c.timeToAcknowledgeMs);
    if (c.resolution !== null && c.timeToResolveMs !== null) resolve.push(c.timeToResolveMs);
    if (!c.verdict) continue;
    if (c.verdict.excluded) {
      excluded += 1;
      continue;
    }
    if (c.verdict.disposition === 'true_positive') tp += 1;
    else if (c.verdict.disposition === 'false_positive') fp += 1;
    else if (c.verdict.disposition === 'benign_expected') benign += 1;
  }
  return {
    exceptions: cases.length,
    resolved,
    autoRemediated,
    escalatedToHumans: escalated,
    slaBreaches: breaches,
    truePositives: tp,
    falsePositives: fp,
    benignExpected: benign,
    excludedVerdicts: excluded,
    precision: tp + fp === 0 ? null : round(tp / (tp + fp), 4),
    mttaMs: mean(acknowledge),
    mttrMs: mean(resolve),
  };
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return Math.round(values.reduce((sum, v) => sum + v, 0) / values.length);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function groupBy<K>(cases: readonly ReportCase[], key: (c: ReportCase) => K): Map<K, ReportCase[]> {
  const groups = new Map<K, ReportCase[]>();
  for (const c of cases) {
    const k = key(c);
    const group = groups.get(k);
    if (group) group.push(c);
    else groups.set(k, [c]);
  }
  return groups;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** NHI1 … NHI10 in their numeric order, unmapped last. */
function owaspOrder(category: OwaspNhiCategory | 'unmapped'): number {
  return category === 'unmapped' ? Number.MAX_SAFE_INTEGER : Number(category.slice(3));
}
