import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import {
  DECIMAL_SCALE,
  decimalUnits,
  CEDAR_NAMESPACE,
  CEDAR_TYPES,
  buildCedarRequest,
  sampleFacts,
  type CedarRequest,
  type CedarValue,
  type ContextShape,
  type PolicyReads,
  type ContextType,
} from '@vigil/domain';
import type { PolicySetSource } from '@vigil/persistence';

/** One problem Cedar found in a schema or a policy set, located in the text it came from. */
export interface PolicyDiagnostic {
  readonly part: 'schema' | 'policies';
  readonly policyId: string | null;
  readonly message: string;
  readonly help: string | null;
  /** 1-based line and column of the offending text, when Cedar located it. */
  readonly line: number | null;
  readonly column: number | null;
}

/** A policy set parsed, validated against its schema and ready to evaluate. */
export interface CompiledPolicySet {
  /** Key of the preparsed set inside the Cedar engine; null for a dry-run candidate. */
  readonly engineId: string | null;
  readonly source: PolicySetSource;
  /** Policies by id (the `@id` annotation, else `policy<n>` in file order). */
  readonly policies: Readonly<Record<string, string>>;
  /** The `@reason` annotation of each policy that has one. */
  readonly reasons: ReadonlyMap<string, string>;
  /** The actions an agent may ask about, each with the context the schema declares for it. */
  readonly actions: ReadonlyMap<string, ContextShape>;
  /** What the policies can observe of a request, so that Cedar is sent only that. */
  readonly reads: PolicyReads;
  readonly warnings: PolicyDiagnostic[];
}

export type CompileResult =
  | { readonly ok: true; readonly set: CompiledPolicySet }
  | { readonly ok: false; readonly diagnostics: PolicyDiagnostic[] };

/** What Cedar decided, or why it could not. */
export type Evaluation =
  | {
      readonly ok: true;
      readonly decision: 'allow' | 'deny';
      /** Policies that determined the decision (satisfied permits, or satisfied forbids). */
      readonly determining: string[];
      /** Policies that could not be evaluated for this request, with Cedar's message. */
      readonly errors: string[];
    }
  | { readonly ok: false; readonly error: string };

/**
 * Parses and validates a policy set against its schema (Cedar's strict validation), checks
 * that the schema accepts the entities and context Vigil builds, and, with an `engineId`,
 * preparses both inside the Cedar engine so that each evaluation only passes the request.
 */
export function compilePolicySet(source: PolicySetSource, engineId: string | null): CompileResult {
  const schemaJson = cedar.schemaToJsonWithResolvedTypes(source.schema);
  if (schemaJson.type === 'failure') {
    return {
      ok: false,
      diagnostics: schemaJson.errors.map((e) => located('schema', null, e, source.schema)),
    };
  }
  const parts = cedar.policySetTextToParts(source.policies);
  if (parts.type === 'failure') {
    return {
      ok: false,
      diagnostics: parts.errors.map((e) => located('policies', null, e, source.policies)),
    };
  }
  if (parts.policy_templates.length > 0) {
    return {
      ok: false,
      diagnostics: [diagnostic('policies', null, 'policy templates are not supported')],
    };
  }
  const named = namePolicies(parts.policies, source.policies);
  if (!named.ok) return named;
  const { policies, reasons, reads } = named;

  const validation = cedar.validate({
    schema: source.schema,
    policies: { staticPolicies: policies },
    validationSettings: { mode: 'strict' },
  });
  if (validation.type === 'failure') {
    return {
      ok: false,
      diagnostics: validation.errors.map((e) => located('policies', null, e, source.policies)),
    };
  }
  if (validation.validationErrors.length > 0) {
    return {
      ok: false,
      diagnostics: validation.validationErrors.map((e) =>
        located('policies', e.policyId, e.error, source.policies, policies[e.policyId]),
      ),
    };
  }
  const shapes = actionShapes(schemaJson.json);
  if (!shapes.ok) return shapes;
  const probe = probeSchema(source.schema, shapes.actions);
  if (probe.length > 0) return { ok: false, diagnostics: probe };

  if (engineId !== null) {
    const schemaReady = cedar.preparseSchema(engineId, source.schema);
    const setReady = cedar.preparsePolicySet(engineId, { staticPolicies: policies });
    for (const ready of [schemaReady, setReady]) {
      if (ready.type === 'failure') {
        return {
          ok: false,
          diagnostics: ready.errors.map((e) => located('policies', null, e, source.policies)),
        };
      }
    }
  }
  const warnings = [
    ...validation.validationWarnings.map((w) =>
      located('policies', w.policyId, w.error, source.policies, policies[w.policyId]),
    ),
    ...validation.otherWarnings.map((w) => located('policies', null, w, source.policies)),
  ];
  return {
    ok: true,
    set: { engineId, source, policies, reasons, actions: shapes.actions, reads, warnings },
  };
}

/** Evaluates one request; never throws. */
export function evaluate(set: CompiledPolicySet, request: CedarRequest): Evaluation {
  let answer: cedar.AuthorizationAnswer;
  try {
    answer =
      set.engineId !== null
        ? cedar.statefulIsAuthorized({
            ...request,
            preparsedPolicySetId: set.engineId,
            // The request is built to the schema's shape (checked when the set was
            // published), so Cedar's own request validation would only repeat that work.
            validateRequest: false,
          })
        : cedar.isAuthorized({
            ...request,
            policies: { staticPolicies: { ...set.policies } },
            schema: set.source.schema,
            validateRequest: true,
          });
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (answer.type === 'failure') {
    return { ok: false, error: answer.errors.map((e) => e.message).join('; ') };
  }
  const { decision, diagnostics } = answer.response;
  return {
    ok: true,
    decision,
    determining: [...diagnostics.reason].sort(),
    errors: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
  };
}

/**
 * Ids from `@id` annotations (else `policy<n>`), `@reason` annotations, and what the
 * policies read.
 */
function namePolicies(
  texts: readonly string[],
  file: string,
):
  | {
      ok: true;
      policies: Record<string, string>;
      reasons: Map<string, string>;
      reads: PolicyReads;
    }
  | { ok: false; diagnostics: PolicyDiagnostic[] } {
  const policies: Record<string, string> = {};
  const reasons = new Map<string, string>();
  const reads = { attributes: new Set<string>(), wholeContext: false };
  const compared = new Map<string, Set<bigint>>();
  const exposed = new Set<string>();
  const diagnostics: PolicyDiagnostic[] = [];
  texts.forEach((text, index) => {
    const json = cedar.policyToJson(text);
    if (json.type === 'failure') {
      diagnostics.push(...json.errors.map((e) => located('policies', null, e, file, text)));
      return;
    }
    const annotations = json.json.annotations ?? {};
    const id = annotations.id?.trim() || `policy${index}`;
    if (id in policies) {
      diagnostics.push(diagnostic('policies', id, `two policies have the id "${id}"`));
      return;
    }
    policies[id] = text;
    const reason = annotations.reason?.trim();
    if (reason) reasons.set(id, reason);
    for (const clause of json.json.conditions) {
      noteReads(clause.body, reads);
      noteComparisons(clause.body, compared, exposed);
    }
  });
  const thresholds = new Map<string, readonly bigint[]>();
  if (!reads.wholeContext) {
    for (const [key, values] of compared) {
      if (!exposed.has(key))
        thresholds.set(
          key,
          [...values].sort((a, b) => (a < b ? -1 : 1)),
        );
    }
  }
  return diagnostics.length > 0
    ? { ok: false, diagnostics }
    : { ok: true, policies, reasons, reads: { ...reads, thresholds } };
}

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);
const DECIMAL_COMPARISONS = new Set([
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
]);

/**
 * Finds the context keys whose value the policies only compare with number or decimal
 * literals (`context.amount.greaterThan(decimal("500.0"))`, `context.count > 3`), with
 * those literals; any other use of `context.<key>` puts the key in `exposed`. For such a
 * key, two values on the same side of (or equal to) each literal get the same decision.
 */
export function noteComparisons(
  node: unknown,
  compared: Map<string, Set<bigint>>,
  exposed: Set<string>,
): void {
  if (Array.isArray(node)) {
    for (const item of node) noteComparisons(item, compared, exposed);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1) {
    const [kind] = keys as [string];
    const value = record[kind];
    let pair: unknown[] | null = null;
    if (COMPARISONS.has(kind) && typeof value === 'object' && value !== null) {
      const { left, right } = value as { left?: unknown; right?: unknown };
      pair = [left, right];
    } else if (DECIMAL_COMPARISONS.has(kind) && Array.isArray(value) && value.length === 2) {
      pair = value;
    }
    if (pair) {
      for (const [side, other] of [
        [pair[0], pair[1]],
        [pair[1], pair[0]],
      ]) {
        const key = contextKeyOf(side);
        const literal = numericLiteral(other);
        if (key !== null && literal !== null) {
          const values = compared.get(key) ?? new Set<bigint>();
          values.add(literal);
          compared.set(key, values);
          return;
        }
      }
    }
    if (kind === '.') {
      const key = contextKeyOf(record);
      if (key !== null) {
        exposed.add(key);
        return;
      }
    }
    // `context has key` tells only whether the key is there.
    if (kind === 'has' && contextKeyOf({ '.': value }) !== null) return;
  }
  for (const value of Object.values(record)) noteComparisons(value, compared, exposed);
}

/** `key` when the node is `context.key`, else null. */
function contextKeyOf(node: unknown): string | null {
  if (typeof node !== 'object' || node === null) return null;
  const access = (node as Record<string, unknown>)['.'];
  if (typeof access !== 'object' || access === null) return null;
  const { left, attr } = access as { left?: unknown; attr?: unknown };
  const onContext =
    typeof left === 'object' &&
    left !== null &&
    Object.keys(left).length === 1 &&
    (left as { Var?: unknown }).Var === 'context';
  return onContext && typeof attr === 'string' ? attr : null;
}

/** A whole-number literal or a `decimal("…")` call on a literal, in ten-thousandths. */
function numericLiteral(node: unknown): bigint | null {
  if (typeof node !== 'object' || node === null) return null;
  const record = node as Record<string, unknown>;
  if (Object.keys(record).length !== 1) return null;
  if (typeof record.Value === 'number' && Number.isSafeInteger(record.Value)) {
    return BigInt(record.Value) * DECIMAL_SCALE;
  }
  const args = record.decimal;
  if (Array.isArray(args) && args.length === 1) {
    const text = (args[0] as { Value?: unknown } | undefined)?.Value;
    return typeof text === 'string' ? decimalUnits(text) : null;
  }
  return null;
}

/**
 * Collects the attribute names an expression (Cedar's JSON form) reads with `.` or `has`,
 * and whether it uses `context` other than to read one of its attributes. The walk goes
 * through every node, literals included, so it can only find more than is read, never less.
 */
export function noteReads(
  node: unknown,
  reads: { attributes: Set<string>; wholeContext: boolean },
): void {
  if (Array.isArray(node)) {
    for (const item of node) noteReads(item, reads);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (record.Var === 'context') reads.wholeContext = true;
  for (const [key, value] of Object.entries(record)) {
    const access = (key === '.' || key === 'has') && typeof value === 'object' && value !== null;
    if (!access) {
      noteReads(value, reads);
      continue;
    }
    const { left, attr } = value as { left?: unknown; attr?: unknown };
    for (const name of Array.isArray(attr) ? attr : [attr]) {
      if (typeof name === 'string') reads.attributes.add(name);
      else noteReads(name, reads);
    }
    const onContext =
      typeof left === 'object' &&
      left !== null &&
      Object.keys(left).length === 1 &&
      (left as { Var?: unknown }).Var === 'context';
    if (!onContext) noteReads(left, reads);
  }
}

type SchemaJson = cedar.SchemaJson<string>;
type TypeJson = cedar.Type<string> & { required?: boolean };

/** The actions whose principal is an Agent and resource a Tool, with their context shapes. */
function actionShapes(
  schema: SchemaJson,
):
  | { ok: true; actions: Map<string, ContextShape> }
  | { ok: false; diagnostics: PolicyDiagnostic[] } {
  const namespace = schema[CEDAR_NAMESPACE];
  const actions = new Map<string, ContextShape>();
  const problems: string[] = [];
  for (const [name, action] of Object.entries(namespace?.actions ?? {})) {
    const applies = action.appliesTo;
    if (
      !applies?.principalTypes.includes(CEDAR_TYPES.agent) ||
      !applies.resourceTypes.includes(CEDAR_TYPES.tool)
    ) {
      continue;
    }
    try {
      const context = applies.context ? contextType(schema, applies.context as TypeJson) : null;
      if (context !== null && context.kind !== 'record') {
        throw new Error('its context is not a record');
      }
      actions.set(name, context?.attributes ?? new Map());
    } catch (error) {
      problems.push(`action "${name}": ${(error as Error).message}`);
    }
  }
  if (actions.size === 0) {
    problems.push(
      `the schema declares no action of namespace ${CEDAR_NAMESPACE} that applies to principal ` +
        `${CEDAR_TYPES.agent} and resource ${CEDAR_TYPES.tool}`,
    );
  }
  return problems.length > 0
    ? { ok: false, diagnostics: problems.map((p) => diagnostic('schema', null, p)) }
    : { ok: true, actions };
}

const EXTENSIONS = new Set(['decimal', 'ipaddr', 'datetime', 'duration']);

function contextType(schema: SchemaJson, type: TypeJson, depth = 0): ContextType {
  if (depth > 16) throw new Error('context types nest too deeply');
  const raw = (type as { type: string }).type;
  const name = raw.startsWith('__cedar::') ? raw.slice('__cedar::'.length) : raw;
  switch (name) {
    case 'String':
      return { kind: 'string' };
    case 'Long':
      return { kind: 'long' };
    case 'Bool':
    case 'Boolean':
      return { kind: 'boolean' };
    case 'Set':
      return {
        kind: 'set',
        element: contextType(schema, (type as { element: TypeJson }).element, depth + 1),
      };
    case 'Record': {
      const attributes = new Map<string, { type: ContextType; required: boolean }>();
      for (const [key, value] of Object.entries(
        (type as { attributes: Record<string, TypeJson> }).attributes,
      )) {
        attributes.set(key, {
          type: contextType(schema, value, depth + 1),
          required: value.required !== false,
        });
      }
      return { kind: 'record', attributes };
    }
    case 'Entity':
      return { kind: 'entity', name: (type as { name: string }).name };
    case 'Extension':
      return { kind: 'extension', name: (type as { name: string }).name };
  }
  if (EXTENSIONS.has(name)) return { kind: 'extension', name };
  const common = commonType(schema, name);
  if (!common) throw new Error(`unknown type ${raw}`);
  return contextType(schema, common, depth + 1);
}

function commonType(schema: SchemaJson, qualified: string): TypeJson | undefined {
  const split = qualified.lastIndexOf('::');
  const namespace = split === -1 ? '' : qualified.slice(0, split);
  const name = split === -1 ? qualified : qualified.slice(split + 2);
  return schema[namespace]?.commonTypes?.[name] as TypeJson | undefined;
}

/**
 * Requests Vigil could build, checked against the schema by Cedar: for each action, both
 * sample identities, with and without a target resource, and a context holding only the
 * required keys. A schema that refuses one would make every such request an error.
 */
function probeSchema(schema: string, actions: ReadonlyMap<string, ContextShape>) {
  const problems = new Map<string, PolicyDiagnostic>();
  for (const [action, shape] of actions) {
    const context = sampleRecord(shape);
    for (const facts of sampleFacts()) {
      for (const resource of ['probe:1', null]) {
        const request = buildCedarRequest({ tool: 'probe.tool', action, resource }, facts, context);
        const answer = cedar.isAuthorized({
          ...request,
          policies: { staticPolicies: {} },
          schema,
          validateRequest: true,
        });
        if (answer.type === 'failure') {
          for (const error of answer.errors) {
            const message =
              `the schema does not accept what Vigil sends for action "${action}": ` +
              error.message;
            problems.set(message, diagnostic('schema', null, message, error.help));
          }
        }
      }
    }
  }
  return [...problems.values()];
}

const SAMPLE_EXTENSION: Readonly<Record<string, string>> = {
  decimal: '0.0',
  ipaddr: '127.0.0.1',
  datetime: '2026-01-01',
  duration: '1s',
};

function sampleRecord(shape: ContextShape): Record<string, CedarValue> {
  const out: Record<string, CedarValue> = {};
  for (const [key, attribute] of shape) {
    if (!attribute.required || ['toolAllowed', 'toolBlocked', 'target'].includes(key)) continue;
    const value = sampleValue(attribute.type);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function sampleValue(type: ContextType): CedarValue | undefined {
  switch (type.kind) {
    case 'string':
      return '';
    case 'long':
      return 0;
    case 'boolean':
      return false;
    case 'set':
      return [];
    case 'record':
      return sampleRecord(type.attributes);
    case 'extension':
      return { __extn: { fn: type.name, arg: SAMPLE_EXTENSION[type.name] ?? '' } };
    case 'entity':
      return undefined;
  }
}

function diagnostic(
  part: PolicyDiagnostic['part'],
  policyId: string | null,
  message: string,
  help: string | null = null,
): PolicyDiagnostic {
  return { part, policyId, message, help, line: null, column: null };
}

/**
 * Cedar's error with the line and column it points at. Offsets are into the text Cedar
 * parsed: the schema, the policy file, or (for validation) one policy, which is then found
 * in the file so that the position is one a person can go to.
 */
function located(
  part: PolicyDiagnostic['part'],
  policyId: string | null,
  error: cedar.DetailedError,
  file: string,
  policyText?: string,
): PolicyDiagnostic {
  const base = diagnostic(part, policyId, error.message, error.help);
  const start = error.sourceLocations?.[0]?.start;
  if (start === undefined) return base;
  const shift = policyText === undefined ? 0 : file.indexOf(policyText);
  if (shift < 0) return base;
  const before = file.slice(0, shift + start);
  const lines = before.split('\n');
  return { ...base, line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}
