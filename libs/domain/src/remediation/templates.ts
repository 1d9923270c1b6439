import type { Playbook, RemediationStepRequest } from '../../../contracts/src/remediation';
import type { Identity } from '../../../contracts/src/telemetry';

/** What a step's parameters may refer to: `{{identityId}}`, `{{value}}`, `{{evidence.…}}`, `{{identity.…}}`. */
export const TEMPLATE_ROOTS = ['identityId', 'value', 'evidence', 'identity'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

/** The fields of an identity a template may name (`{{identity.policy.rotationPeriodDays}}`). */
export const IDENTITY_TEMPLATE_FIELDS = [
  'id',
  'kind',
  'owner',
  'team',
  'vendor',
  'criticality',
  'environment',
  'status',
  'policy',
] as const;

/** The case a playbook runs for: what its templates are resolved against. */
export interface RemediationCase {
  readonly caseId: string;
  readonly identityId: string;
  /** The deviating value (a scope, a tool…); null when the exception has none. */
  readonly value: string | null;
  readonly evidence: Readonly<Record<string, unknown>>;
  /** null when the identity is not in the inventory. */
  readonly identity: Identity | null;
}

/** A step whose parameter names something the case does not have. */
export class PlaybookTemplateError extends Error {
  constructor(
    readonly playbookId: string,
    readonly step: string,
    readonly path: string,
    reason: string,
  ) {
    super(`playbook ${playbookId}, step "${step}": {{${path}}} ${reason}`);
    this.name = 'PlaybookTemplateError';
  }
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** A part of a parameter: literal text, or the path of a placeholder. */
type Part = { readonly text: string } | { readonly path: string };

/**
 * Splits a parameter into literal text and `{{path}}` placeholders, or says what is wrong
 * with its syntax: an unclosed `{{`, a stray `}}`, an empty or malformed path, a root other
 * than TEMPLATE_ROOTS, a root that needs a key (`evidence`, `identity`) without one, or a key
 * under a root that has none (`identityId`, `value`).
 */
export function parseTemplate(template: string): { parts: Part[] } | { error: string } {
  const parts: Part[] = [];
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    const strayClose = rest.indexOf('}}');
    if (strayClose !== -1 && (open === -1 || strayClose < open)) {
      return { error: 'has a "}}" without a "{{" before it' };
    }
    if (open === -1) {
      parts.push({ text: rest });
      break;
    }
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    const close = rest.indexOf('}}', open + 2);
    if (close === -1) return { error: 'has a "{{" that is not closed' };
    const path = rest.slice(open + 2, close).trim();
    const problem = pathProblem(path);
    if (problem) return { error: problem };
    parts.push({ path });
    rest = rest.slice(close + 2);
  }
  return { parts };
}

function pathProblem(path: string): string | null {
  if (path.includes('{')) return 'has a "{{" inside a placeholder';
  if (path === '') return 'has an empty placeholder';
  const [root, ...keys] = path.split('.');
  if (!(TEMPLATE_ROOTS as readonly string[]).includes(root!)) {
    return `refers to {{${path}}}; a placeholder starts with one of ${TEMPLATE_ROOTS.join(', ')}`;
  }
  if (keys.some((key) => !SEGMENT.test(key))) {
    return `refers to {{${path}}}, which is not a dotted path of letters, digits, _ and -`;
  }
  if ((root === 'identityId' || root === 'value') && keys.length > 0) {
    return `refers to {{${path}}}; {{${root}}} has no fields`;
  }
  if (root === 'evidence' && keys.length === 0) {
    return 'refers to {{evidence}}; name a key of the evidence, like {{evidence.resource}}';
  }
  if (root === 'identity') {
    if (keys.length === 0) {
      return 'refers to {{identity}}; name a field of the identity, like {{identity.owner}}';
    }
    if (!(IDENTITY_TEMPLATE_FIELDS as readonly string[]).includes(keys[0]!)) {
      return `refers to {{${path}}}; an identity has ${IDENTITY_TEMPLATE_FIELDS.join(', ')}`;
    }
  }
  return null;
}

/**
 * The steps of a playbook as connectors receive them for this case: every `{{path}}`
 * replaced by the case's value, and each step keyed `<caseId>:<step>`. Throws
 * PlaybookTemplateError, naming the step and the path, when a placeholder has no value for
 * this case or names something other than a string, number or boolean.
 */
export function resolveSteps(playbook: Playbook, info: RemediationCase): RemediationStepRequest[] {
  return playbook.steps.map((step) => {
    const params: Record<string, string> = {};
    for (const [name, template] of Object.entries(step.params)) {
      params[name] = resolveTemplate(template, info, (path, reason) => {
        throw new PlaybookTemplateError(playbook.id, step.name, path, reason);
      });
    }
    return {
      caseId: info.caseId,
      playbookId: playbook.id,
      playbookVersion: playbook.version,
      step: step.name,
      idempotencyKey: `${info.caseId}:${step.name}`,
      action: step.action,
      connector: step.connector,
      identityId: info.identityId,
      params,
    };
  });
}

function resolveTemplate(
  template: string,
  info: RemediationCase,
  fail: (path: string, reason: string) => never,
): string {
  const parsed = parseTemplate(template);
  if ('error' in parsed) return fail(template, parsed.error);
  return parsed.parts
    .map((part) => {
      if ('text' in part) return part.text;
      const found = lookup(part.path, info);
      if (found === undefined || found === null)
        return fail(part.path, 'has no value for this case');
      if (typeof found === 'string') return found;
      if (typeof found === 'number' || typeof found === 'boolean') return String(found);
      return fail(part.path, 'is not a string, number or boolean');
    })
    .join('');
}

function lookup(path: string, info: RemediationCase): unknown {
  const [root, ...keys] = path.split('.') as [TemplateRoot, ...string[]];
  let current: unknown =
    root === 'identityId'
      ? info.identityId
      : root === 'value'
        ? info.value
        : root === 'evidence'
          ? info.evidence
          : info.identity;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
