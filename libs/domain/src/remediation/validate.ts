import {
  CONNECTOR_KINDS,
  REMEDIATION_ACTIONS,
  type AutoCeiling,
  type ConnectorKind,
  type Playbook,
  type PlaybookStep,
  type RemediationAction,
} from '../../../contracts/src/remediation';
import {
  CRITICALITIES,
  EXCEPTION_KINDS,
  IDENTITY_KINDS,
  SEVERITIES,
  isOneOf,
  type Criticality,
  type ExceptionKind,
  type IdentityKind,
  type Severity,
} from '../../../contracts/src/vocabulary';
import { parseTemplate } from './templates';

/** One problem of a document, with the path of the field that has it (`steps[1].action`). */
export interface ValidationProblem {
  readonly field: string;
  readonly message: string;
}

export type Validation<T, K extends string> =
  | ({ readonly ok: true } & { readonly [key in K]: T })
  | { readonly ok: false; readonly errors: readonly ValidationProblem[] };

export const PLAYBOOK_ID_PATTERN = /^[a-z0-9-]{1,64}$/;
export const STEP_NAME_PATTERN = /^[a-z0-9-]{1,64}$/;
export const PARAM_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const MAX_PLAYBOOK_STEPS = 20;
export const MAX_STEP_PARAMS = 20;
export const MAX_PARAM_LENGTH = 1_000;
export const DIMENSION_PATTERN = /^[a-z_]{1,32}$/;
export const MAX_MATCH_DIMENSIONS = 10;
export const MAX_TITLE_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 2_000;

/**
 * What the internal connector can do, with the parameters each action needs: it acts on
 * Vigil's own inventory, which can suspend an identity and restrict its scopes and tools.
 */
export const INTERNAL_ACTION_PARAMS = {
  suspend_identity: [],
  revoke_scope: ['scope'],
  block_tool: ['tool'],
} as const satisfies Partial<Record<RemediationAction, readonly string[]>>;
export type InternalAction = keyof typeof INTERNAL_ACTION_PARAMS;

export function isInternalAction(action: string): action is InternalAction {
  return Object.prototype.hasOwnProperty.call(INTERNAL_ACTION_PARAMS, action);
}

const PLAYBOOK_FIELDS = [
  'id',
  'version',
  'title',
  'description',
  'matches',
  'steps',
  'autoCeiling',
  'containment',
] as const;
const STEP_FIELDS = ['name', 'action', 'connector', 'params', 'verify', 'compensate'] as const;

/**
 * Checks a playbook document and returns it as a Playbook, or every problem found: the id
 * (`[a-z0-9-]{1,64}`), a positive integer version, known exception and identity kinds,
 * optional match dimensions (each `[a-z_]{1,32}`, at most MAX_MATCH_DIMENSIONS), at
 * least one step (at most MAX_PLAYBOOK_STEPS) with unique names, known actions and
 * connectors, actions the internal connector can do (with the parameters they need),
 * parameters whose `{{…}}` placeholders are well formed, and the ceiling's levels. Fields
 * that a playbook does not have are refused.
 */
export function validatePlaybook(input: unknown): Validation<Playbook, 'playbook'> {
  const errors: ValidationProblem[] = [];
  const problem = problemCollector(errors);
  if (!isRecord(input)) {
    return { ok: false, errors: [{ field: 'body', message: 'a playbook must be a JSON object' }] };
  }
  unknownFields(input, PLAYBOOK_FIELDS, '', problem);

  const id = input.id;
  if (typeof id !== 'string' || !PLAYBOOK_ID_PATTERN.test(id)) {
    problem('id', 'id must be 1 to 64 lowercase letters, digits and hyphens');
  }
  const version = input.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    problem('version', 'version must be a positive integer');
  }
  const title = text(input.title, 'title', MAX_TITLE_LENGTH, true, problem);
  const description = text(
    input.description,
    'description',
    MAX_DESCRIPTION_LENGTH,
    false,
    problem,
  );
  const containment = flag(input.containment, 'containment', problem);
  const matches = matchesOf(input.matches, containment === true, problem);
  const steps = stepsOf(input.steps, problem);
  const autoCeiling = ceilingOf(input.autoCeiling, problem);

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    playbook: {
      id: id as string,
      version: version as number,
      title: title!,
      description: description!,
      matches: matches!,
      steps: steps!,
      autoCeiling: autoCeiling === undefined ? null : autoCeiling,
      containment: containment!,
    },
  };
}

/** Adds a problem; `count` says how many there are so far. */
export interface ProblemReport {
  (field: string, message: string): void;
  readonly count: () => number;
}

export function problemCollector(errors: ValidationProblem[]): ProblemReport {
  const report = (field: string, message: string): void => {
    errors.push({ field, message });
  };
  return Object.assign(report, { count: () => errors.length });
}

function matchesOf(
  value: unknown,
  containment: boolean,
  problem: ProblemReport,
): Playbook['matches'] | undefined {
  if (!isRecord(value)) {
    problem('matches', 'matches must be an object with kinds and identityKinds');
    return undefined;
  }
  unknownFields(value, ['kinds', 'identityKinds', 'dimensions'], 'matches', problem);
  const kinds = listOf<ExceptionKind>(value.kinds, 'matches.kinds', EXCEPTION_KINDS, problem);
  const identityKinds = listOf<IdentityKind>(
    value.identityKinds,
    'matches.identityKinds',
    IDENTITY_KINDS,
    problem,
  );
  if (kinds && kinds.length === 0 && !containment) {
    problem(
      'matches.kinds',
      'matches.kinds must name at least one exception kind (only a containment playbook may match none)',
    );
  }
  const dimensions =
    value.dimensions === undefined ? null : dimensionsOf(value.dimensions, problem);
  if (!kinds || !identityKinds || dimensions === undefined) return undefined;
  return dimensions === null ? { kinds, identityKinds } : { kinds, identityKinds, dimensions };
}

/** `matches.dimensions`: at most MAX_MATCH_DIMENSIONS distinct names of `[a-z_]{1,32}`. */
function dimensionsOf(value: unknown, problem: ProblemReport): string[] | undefined {
  const field = 'matches.dimensions';
  if (!Array.isArray(value)) {
    problem(field, `${field} must be an array`);
    return undefined;
  }
  if (value.length > MAX_MATCH_DIMENSIONS) {
    problem(field, `${field} has at most ${MAX_MATCH_DIMENSIONS} dimensions`);
    return undefined;
  }
  const seen = new Set<string>();
  let ok = true;
  value.forEach((item: unknown, i) => {
    const at = `${field}[${i}]`;
    if (typeof item !== 'string' || !DIMENSION_PATTERN.test(item)) {
      problem(at, `${at} must be 1 to 32 lowercase letters and underscores`);
      ok = false;
    } else if (seen.has(item)) {
      problem(at, `${at} repeats ${item}`);
      ok = false;
    } else {
      seen.add(item);
    }
  });
  return ok ? (value as string[]) : undefined;
}

function listOf<T extends string>(
  value: unknown,
  field: string,
  allowed: readonly T[],
  problem: ProblemReport,
): T[] | undefined {
  if (!Array.isArray(value)) {
    problem(field, `${field} must be an array`);
    return undefined;
  }
  const seen = new Set<string>();
  let ok = true;
  value.forEach((item: unknown, i) => {
    if (!isOneOf(allowed, item)) {
      problem(`${field}[${i}]`, `${field}[${i}] must be one of ${allowed.join(', ')}`);
      ok = false;
    } else if (seen.has(item)) {
      problem(`${field}[${i}]`, `${field}[${i}] repeats ${item}`);
      ok = false;
    } else {
      seen.add(item);
    }
  });
  return ok ? (value as T[]) : undefined;
}

function stepsOf(value: unknown, problem: ProblemReport): PlaybookStep[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problem('steps', 'steps must be a non-empty array');
    return undefined;
  }
  if (value.length > MAX_PLAYBOOK_STEPS) {
    problem('steps', `a playbook has at most ${MAX_PLAYBOOK_STEPS} steps`);
    return undefined;
  }
  const names = new Set<string>();
  const steps: PlaybookStep[] = [];
  let ok = true;
  value.forEach((item: unknown, i) => {
    const step = stepOf(item, `steps[${i}]`, problem);
    if (!step) {
      ok = false;
      return;
    }
    if (names.has(step.name)) {
      problem(`steps[${i}].name`, `steps[${i}].name repeats the step name ${step.name}`);
      ok = false;
      return;
    }
    names.add(step.name);
    steps.push(step);
  });
  return ok ? steps : undefined;
}

function stepOf(value: unknown, at: string, problem: ProblemReport): PlaybookStep | undefined {
  if (!isRecord(value)) {
    problem(at, `${at} must be an object`);
    return undefined;
  }
  const before = problem.count();
  unknownFields(value, STEP_FIELDS, at, problem);
  const name = value.name;
  if (typeof name !== 'string' || !STEP_NAME_PATTERN.test(name)) {
    problem(`${at}.name`, `${at}.name must be 1 to 64 lowercase letters, digits and hyphens`);
  }
  const action = value.action;
  if (!isOneOf(REMEDIATION_ACTIONS, action)) {
    problem(`${at}.action`, `${at}.action must be one of ${REMEDIATION_ACTIONS.join(', ')}`);
  }
  const connector = value.connector;
  if (!isOneOf(CONNECTOR_KINDS, connector)) {
    problem(`${at}.connector`, `${at}.connector must be one of ${CONNECTOR_KINDS.join(', ')}`);
  }
  const params = paramsOf(value.params, `${at}.params`, problem);
  if (connector === 'internal' && isOneOf(REMEDIATION_ACTIONS, action)) {
    if (!isInternalAction(action)) {
      problem(
        `${at}.action`,
        `the internal connector cannot ${action}; it can ${Object.keys(INTERNAL_ACTION_PARAMS).join(', ')}`,
      );
    } else if (params) {
      for (const needed of INTERNAL_ACTION_PARAMS[action] as readonly string[]) {
        if (!(needed in params)) {
          problem(`${at}.params.${needed}`, `${action} needs the parameter ${needed}`);
        }
      }
    }
  }
  const verify = flag(value.verify, `${at}.verify`, problem);
  const compensate = flag(value.compensate, `${at}.compensate`, problem);
  if (problem.count() > before) return undefined;
  return {
    name: name as string,
    action: action as RemediationAction,
    connector: connector as ConnectorKind,
    params: params!,
    verify: verify!,
    compensate: compensate!,
  };
}

function paramsOf(
  value: unknown,
  at: string,
  problem: ProblemReport,
): Record<string, string> | undefined {
  if (!isRecord(value)) {
    problem(at, `${at} must be an object of strings`);
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_STEP_PARAMS) {
    problem(at, `${at} has more than ${MAX_STEP_PARAMS} parameters`);
    return undefined;
  }
  const params: Record<string, string> = {};
  let ok = true;
  for (const [name, template] of entries) {
    const field = `${at}.${name}`;
    if (!PARAM_NAME_PATTERN.test(name)) {
      problem(field, `${field}: a parameter name is a letter then up to 63 letters, digits or _`);
      ok = false;
    } else if (typeof template !== 'string') {
      problem(field, `${field} must be a string`);
      ok = false;
    } else if (template.length > MAX_PARAM_LENGTH) {
      problem(field, `${field} is longer than ${MAX_PARAM_LENGTH} characters`);
      ok = false;
    } else {
      const parsed = parseTemplate(template);
      if ('error' in parsed) {
        problem(field, `${field} ${parsed.error}`);
        ok = false;
      } else {
        params[name] = template;
      }
    }
  }
  return ok ? params : undefined;
}

function ceilingOf(value: unknown, problem: ProblemReport): AutoCeiling | null | undefined {
  if (value === null) return null;
  if (!isRecord(value)) {
    problem('autoCeiling', 'autoCeiling must be null (never automatic) or an object');
    return undefined;
  }
  unknownFields(value, ['maxSeverity', 'maxCriticality'], 'autoCeiling', problem);
  const { maxSeverity, maxCriticality } = value;
  let ok = true;
  if (!isOneOf(SEVERITIES, maxSeverity)) {
    problem(
      'autoCeiling.maxSeverity',
      `autoCeiling.maxSeverity must be one of ${SEVERITIES.join(', ')}`,
    );
    ok = false;
  }
  if (!isOneOf(CRITICALITIES, maxCriticality)) {
    problem(
      'autoCeiling.maxCriticality',
      `autoCeiling.maxCriticality must be one of ${CRITICALITIES.join(', ')}`,
    );
    ok = false;
  }
  return ok
    ? { maxSeverity: maxSeverity as Severity, maxCriticality: maxCriticality as Criticality }
    : undefined;
}

function text(
  value: unknown,
  field: string,
  max: number,
  required: boolean,
  problem: ProblemReport,
): string | undefined {
  if (typeof value !== 'string' || (required && value.trim() === '')) {
    problem(field, required ? `${field} must be a non-empty string` : `${field} must be a string`);
    return undefined;
  }
  if (value.length > max) {
    problem(field, `${field} is longer than ${max} characters`);
    return undefined;
  }
  return value;
}

function flag(value: unknown, field: string, problem: ProblemReport): boolean | undefined {
  if (typeof value !== 'boolean') {
    problem(field, `${field} must be true or false`);
    return undefined;
  }
  return value;
}

/** Reports each key of `value` that is not one of `known`. */
export function unknownFields(
  value: Readonly<Record<string, unknown>>,
  known: readonly string[],
  at: string,
  problem: (field: string, message: string) => void,
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const field = at ? `${at}.${key}` : key;
      problem(field, `${field} is not a known field`);
    }
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
