import type { AuthorizeRequest } from '../../../contracts/src/guardrail';
import type { Identity } from '../../../contracts/src/telemetry';
import { CRITICALITIES } from '../../../contracts/src/vocabulary';
import { compileGlobs, type Matcher } from '../detection/glob';

/**
 * How Vigil describes an authorization request to Cedar. The entity types, their
 * attributes and the context keys below are the contract between the entities Vigil builds
 * and the Cedar schema a policy set is published with: publishing checks a schema against
 * them (see `sampleFacts`), so a policy can rely on every attribute it reads.
 */
export const CEDAR_NAMESPACE = 'Vigil';
export const CEDAR_TYPES = {
  agent: 'Vigil::Agent',
  tool: 'Vigil::Tool',
  toolClass: 'Vigil::ToolClass',
  resource: 'Vigil::Resource',
  action: 'Vigil::Action',
} as const;

/** Context keys Vigil fills in; a caller's context may not set them. */
export const RESERVED_CONTEXT_KEYS = ['toolAllowed', 'toolBlocked', 'target'] as const;

/** Cedar's JSON value form (entities as `__entity`, extension values as `__extn`). */
export type CedarValue =
  | boolean
  | number
  | string
  | CedarValue[]
  | { readonly __entity: CedarUid }
  | { readonly __extn: { readonly fn: string; readonly arg: string } }
  | { readonly [key: string]: CedarValue };

export interface CedarUid {
  readonly type: string;
  readonly id: string;
}

export interface CedarEntity {
  readonly uid: CedarUid;
  readonly attrs: Record<string, CedarValue>;
  readonly parents: CedarUid[];
}

/** One request as Cedar takes it: who, what, on what, in which context, with which entities. */
export interface CedarRequest {
  readonly principal: CedarUid;
  readonly action: CedarUid;
  readonly resource: CedarUid;
  readonly context: Record<string, CedarValue>;
  readonly entities: CedarEntity[];
}

/** What the inventory knows about the identity asking: its declaration and its restrictions. */
export interface AgentFacts {
  readonly identity: Identity;
  /** Tools remediation blocked for the identity, each with the case whose step blocked it. */
  readonly blockedTools: ReadonlyMap<string, string>;
}

/** A tool's class is its first dotted segment: `payments.refund` is in class `payments`. */
export function toolClassOf(tool: string): string {
  const dot = tool.indexOf('.');
  return dot > 0 ? tool.slice(0, dot) : tool;
}

/** A resource's type is what precedes its first colon (`order:123` is an `order`), else empty. */
export function resourceTypeOf(resource: string): string {
  const colon = resource.indexOf(':');
  return colon > 0 ? resource.slice(0, colon) : '';
}

/** Whether the identity's declared allowed tools take in `tool`; no declaration takes in all. */
export function toolAllowedByDeclaration(identity: Identity, tool: string): boolean {
  const allowed = identity.policy.allowedTools;
  if (allowed.length === 0) return true;
  let matcher = compiledTools.get(allowed);
  if (!matcher) {
    matcher = compileGlobs(allowed);
    compiledTools.set(allowed, matcher);
  }
  return matcher(tool);
}

/** Compiled once per declaration (cached identities share their arrays across requests). */
const compiledTools = new WeakMap<readonly string[], Matcher>();

/** The principal entity: the identity's inventory record, as Cedar attributes. */
export function agentEntity(identity: Identity): CedarEntity {
  const attrs: Record<string, CedarValue> = {
    kind: identity.kind,
    status: identity.status,
    criticality: identity.criticality,
    // 1 (low) to 4 (critical), so policies can compare: `principal.criticalityRank >= 3`.
    criticalityRank: CRITICALITIES.indexOf(identity.criticality) + 1,
    allowedTools: [...identity.policy.allowedTools],
  };
  // Cedar has no null: an unknown value is an absent (optional) attribute, tested with `has`.
  if (identity.owner !== null) attrs.owner = identity.owner;
  if (identity.team !== null) attrs.team = identity.team;
  if (identity.vendor !== null) attrs.vendor = identity.vendor;
  if (identity.environment !== null) attrs.environment = identity.environment;
  return { uid: { type: CEDAR_TYPES.agent, id: identity.id }, attrs, parents: [] };
}

/**
 * What a policy set can observe of an entity or of the context: the attribute names its
 * policies read (`x.name`, `x has name`), and whether one uses the context as a whole
 * (`context == {...}`). Cedar has no other way to read an attribute, so leaving out the
 * attributes a set never names cannot change any of its decisions, reasons or errors.
 */
export interface PolicyReads {
  readonly attributes: ReadonlySet<string>;
  readonly wholeContext: boolean;
  /**
   * Context keys the policies only compare with number or decimal literals, each with those
   * literals in ten-thousandths, ascending (empty when the context is used as a whole).
   */
  readonly thresholds?: ReadonlyMap<string, readonly bigint[]>;
}

/** Cedar's decimals are whole numbers of ten-thousandths in a signed 64-bit integer. */
export const DECIMAL_SCALE = 10_000n;
const I64_MAX = 2n ** 63n - 1n;
const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d{1,4}))?$/;

/** A decimal's text in ten-thousandths; null when it is not one Cedar can hold. */
export function decimalUnits(text: string): bigint | null {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return null;
  const units = BigInt(match[2]!) * DECIMAL_SCALE + BigInt((match[3] ?? '').padEnd(4, '0') || '0');
  const signed = match[1] ? -units : units;
  return signed > I64_MAX || signed < -I64_MAX - 1n ? null : signed;
}

/**
 * The context as far as the decisions of a set that `reads` it this way can tell: a value
 * the policies only compare with literals becomes its place among those literals (below
 * the first, equal to it, between it and the next, …), so that two calls whose decisions
 * cannot differ have one context. Anything else stays as it is.
 */
export function decisionContext(
  context: Readonly<Record<string, CedarValue>>,
  reads: PolicyReads,
): Readonly<Record<string, CedarValue>> {
  const thresholds = reads.thresholds;
  if (!thresholds || thresholds.size === 0) return context;
  let out: Record<string, CedarValue> | null = null;
  for (const [key, limits] of thresholds) {
    const value = context[key];
    if (value === undefined) continue;
    const units = numericUnits(value);
    if (units === null) continue;
    let place = 0;
    for (const limit of limits) {
      if (units > limit) place += 2;
      else {
        if (units === limit) place += 1;
        break;
      }
    }
    out ??= { ...context };
    out[key] = { '#place': place };
  }
  return out ?? context;
}

function numericUnits(value: CedarValue): bigint | null {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? BigInt(value) * DECIMAL_SCALE : null;
  }
  if (typeof value === 'object' && value !== null && '__extn' in value) {
    const extension = (value as { __extn: { fn: string; arg: string } }).__extn;
    return extension.fn === 'decimal' ? decimalUnits(extension.arg) : null;
  }
  return null;
}

/**
 * The Cedar request for an authorization request, with `context` already checked against
 * the schema (see `coerceContext`). Vigil adds to the context whether the identity's
 * declaration allows the tool, whether remediation blocked it, and the target resource.
 * Given what the policy set `reads`, attributes and context keys it never reads are left
 * out (the entities themselves stay, since a missing entity is an error in Cedar).
 */
export function buildCedarRequest(
  request: Pick<AuthorizeRequest, 'tool' | 'action' | 'resource'>,
  facts: AgentFacts,
  context: Readonly<Record<string, CedarValue>>,
  reads: PolicyReads | null = null,
): CedarRequest {
  return cedarRequestWith(request, facts, cedarContext(request, facts, context, reads), reads);
}

/** The Cedar request around a context `cedarContext` built with the same `reads`. */
export function cedarRequestWith(
  request: Pick<AuthorizeRequest, 'tool' | 'action' | 'resource'>,
  facts: AgentFacts,
  context: Record<string, CedarValue>,
  reads: PolicyReads | null,
): CedarRequest {
  const toolUid = { type: CEDAR_TYPES.tool, id: request.tool };
  const entities: CedarEntity[] = [
    reads ? agentSlice(facts.identity, reads).entity : agentEntity(facts.identity),
    {
      uid: toolUid,
      attrs: !reads || reads.attributes.has('name') ? { name: request.tool } : {},
      // The class needs no entity of its own: `in` follows the tool's parents.
      parents: [{ type: CEDAR_TYPES.toolClass, id: toolClassOf(request.tool) }],
    },
  ];
  if (context.target !== undefined && request.resource !== null) {
    entities.push({
      uid: { type: CEDAR_TYPES.resource, id: request.resource },
      attrs:
        !reads || reads.attributes.has('type') ? { type: resourceTypeOf(request.resource) } : {},
      parents: [],
    });
  }
  return {
    principal: { type: CEDAR_TYPES.agent, id: facts.identity.id },
    action: { type: CEDAR_TYPES.action, id: request.action },
    resource: toolUid,
    context,
    entities,
  };
}

/**
 * The context Cedar evaluates: the caller's checked context and Vigil's facts, without the
 * keys the policy set never reads (all of them when `reads` is null or the set reads the
 * context as a whole).
 */
export function cedarContext(
  request: Pick<AuthorizeRequest, 'tool' | 'resource'>,
  facts: AgentFacts,
  context: Readonly<Record<string, CedarValue>>,
  reads: PolicyReads | null = null,
): Record<string, CedarValue> {
  const full: Record<string, CedarValue> = {
    ...context,
    toolAllowed: toolAllowedByDeclaration(facts.identity, request.tool),
    toolBlocked: facts.blockedTools.has(request.tool),
  };
  if (request.resource !== null) {
    full.target = { __entity: { type: CEDAR_TYPES.resource, id: request.resource } };
  }
  if (!reads || reads.wholeContext) return full;
  const kept: Record<string, CedarValue> = {};
  for (const key of Object.keys(full)) {
    if (reads.attributes.has(key)) kept[key] = full[key]!;
  }
  return kept;
}

/** The principal entity as a policy set sees it, and its canonical JSON text. */
export interface AgentSlice {
  readonly entity: CedarEntity;
  readonly json: string;
}

/**
 * The principal entity with only the attributes `reads` names, built once per cached
 * identity record and policy set (identity records are replaced, never changed, when the
 * inventory changes).
 */
export function agentSlice(identity: Identity, reads: PolicyReads): AgentSlice {
  const cached = slices.get(identity);
  if (cached && cached.reads === reads) return cached.slice;
  const whole = agentEntity(identity);
  const attrs: Record<string, CedarValue> = {};
  for (const key of Object.keys(whole.attrs)) {
    if (reads.attributes.has(key)) attrs[key] = whole.attrs[key]!;
  }
  const entity: CedarEntity = { uid: whole.uid, attrs, parents: whole.parents };
  const slice = { entity, json: JSON.stringify(entity) };
  slices.set(identity, { reads, slice });
  return slice;
}

const slices = new WeakMap<Identity, { reads: PolicyReads; slice: AgentSlice }>();

/**
 * Two identities that between them carry every attribute Vigil may set, and none of the
 * optional ones: a schema that accepts requests for both accepts every request Vigil builds.
 */
export function sampleFacts(): AgentFacts[] {
  const full: Identity = {
    id: 'vigil-schema-probe',
    kind: 'ai_agent',
    owner: 'owner@example.com',
    team: 'team',
    vendor: 'vendor',
    criticality: 'high',
    environment: 'prod',
    status: 'active',
    policy: {
      rotationPeriodDays: null,
      rotationToleranceDays: null,
      allowedScopes: [],
      allowedTools: ['probe.*'],
      resourceSensitivity: [],
    },
  };
  const bare: Identity = { ...full, owner: null, team: null, vendor: null, environment: null };
  return [
    { identity: full, blockedTools: new Map([['probe.tool', 'case']]) },
    { identity: bare, blockedTools: new Map() },
  ];
}
