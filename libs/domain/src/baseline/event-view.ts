import type { TelemetryEvent } from '../../../contracts/src/telemetry';
import { hash64Hex } from './hash';
import { HOURS_PER_WEEK, RATE_BUCKET_MS, type LifecycleKind } from './types';

export const DAY_MS = 86_400_000;

/**
 * Longest value the baseline keeps verbatim. Longer values keep a prefix and a hash of the
 * whole, so they stay distinct without letting one event pin megabytes in memory or in a
 * case's evidence.
 */
export const MAX_VALUE_LENGTH = 256;

/*
 * Keys the baseline writes next to event-derived ones. Every event value is trimmed, so
 * none can start with a space: these cannot collide with telemetry, and they stay plain
 * text that any database stores.
 */
/** Per dimension: every occurrence once the dimension is saturated (see values.ts). */
export const OVERFLOW_VALUE = ' overflow';
/** Rate series of records read per hour (sum of `attributes.recordCount`). */
export const RECORD_VOLUME_KEY = ' records';
/** Rate series of distinct source IPs first active in each hour. */
export const DISTINCT_IP_KEY = ' distinct:source_ip';
/** Rate series of distinct hosts first active in each hour. */
export const DISTINCT_HOST_KEY = ' distinct:host';
/** Rate series shared by actions beyond the per-identity cap on rate series. */
export const OTHER_ACTIONS_KEY = ' other';

/** Whether a value or rate key is one of the baseline's own (see above). */
export function isReservedKey(key: string): boolean {
  return key.charCodeAt(0) === 32;
}

/** One event reduced to what the baseline and the detectors read, computed once. */
export interface EventView {
  readonly timeMs: number;
  /** Hours since the epoch: the rate bucket index. */
  readonly hour: number;
  /** Days since the epoch (UTC). */
  readonly day: number;
  /** 0 = Monday 00:00–01:00 UTC. */
  readonly hourOfWeek: number;
  readonly type: string;
  readonly action: string | null;
  /** The rate series this event counts in: its action, or its type when it has none. */
  readonly rateKey: string;
  readonly scope: string | null;
  readonly tool: string | null;
  readonly resource: string | null;
  readonly recordSet: string | null;
  /** Records this event read (record.accessed only; 1 when the shipper does not say). */
  readonly recordCount: number;
  readonly sourceIp: string | null;
  /** Normalised: see normaliseUserAgent. */
  readonly userAgent: string | null;
  /** A browser's user agent, not an SDK's or a CLI's. */
  readonly browser: boolean;
  readonly host: string | null;
  readonly environment: string | null;
  readonly lifecycle: LifecycleKind | null;
}

/**
 * Trims, treats empty as absent, and bounds the length: longer values keep a prefix and a
 * hash of the whole, so they stay distinct. Cheap on the common path: only strings with
 * whitespace at either end are trimmed, only long ones are rewritten. What no database
 * stores faithfully (NUL, unpaired surrogates) is left to storableValue, which the
 * baseline applies before it keeps a value and deviations apply before they carry one:
 * checking every value of every event for them is a measurable share of the per-event cost.
 */
export function clampValue(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0) return null;
  let value = raw;
  if (value.charCodeAt(0) <= 32 || value.charCodeAt(value.length - 1) <= 32) {
    value = value.trim();
    if (value.length === 0) return null;
  }
  return value.length <= MAX_VALUE_LENGTH ? value : shortened(value, value);
}

function shortened(value: string, original: string): string {
  let cut = Math.min(value.length, MAX_VALUE_LENGTH - 17);
  // Never split a surrogate pair: a lone surrogate does not survive UTF-8 storage.
  const last = value.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${value.slice(0, cut)}+${hash64Hex(original)}`;
}

// NUL and surrogates: only strings containing one need the closer look below. Matching NUL
// is the point of these patterns.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Whether a clamped value holds a NUL or an unpaired surrogate. */
export function isUnstorable(value: string): boolean {
  if (!SUSPECT.test(value)) return false;
  UNSTORABLE.lastIndex = 0;
  const found = UNSTORABLE.test(value);
  UNSTORABLE.lastIndex = 0;
  return found;
}

/**
 * A clamped value in the form the baseline keeps and the store accepts: unchanged when
 * storable; otherwise NULs and unpaired surrogates become U+FFFD and a hash of the
 * original is appended, so two values that differ only there stay distinct.
 */
export function storableValue(value: string): string {
  if (!isUnstorable(value)) return value;
  return shortened(value.replace(UNSTORABLE, '\ufffd'), value);
}

/** Free text (a reason, evidence) with NULs and unpaired surrogates replaced. */
export function storableText(text: string): string {
  return isUnstorable(text) ? text.replace(UNSTORABLE, '\ufffd') : text;
}

export function hourOfWeekOf(hour: number): number {
  // The epoch, 1970-01-01, was a Thursday: hour 0 is 72 hours into a Monday-based week.
  const index = (hour + 72) % HOURS_PER_WEEK;
  return index < 0 ? index + HOURS_PER_WEEK : index;
}

const VERSION_NUMBERS = /\d+(?:[._]\d+)*/g;
const BROWSER_ENGINES = /chrome\/|safari\/|firefox\/|edg\/|edge\/|trident\/|gecko\//;
// Automation that borrows a browser's user agent string, or an SDK that appends one.
const NON_HUMAN_MARKERS =
  /sdk|boto|aws-cli|azure-cli|gcloud|okhttp|python|java\/|go-http|curl|wget|axios|node-fetch|undici|terraform|kubectl|postman|insomnia|headless|bot\b|crawler|spider|puppeteer|playwright|selenium|phantomjs|electron/;

interface UserAgentInfo {
  readonly normalised: string;
  readonly browser: boolean;
}

// Shippers send the same few user agents millions of times: a bounded memo saves a regex
// pass per event. Deterministic (a pure function's cache), so safe inside workflows too.
const USER_AGENT_MEMO = new Map<string, UserAgentInfo>();
const USER_AGENT_MEMO_LIMIT = 4096;

function userAgentInfo(raw: string): UserAgentInfo {
  const known = USER_AGENT_MEMO.get(raw);
  if (known !== undefined) return known;
  const lower = raw.toLowerCase();
  const info: UserAgentInfo = {
    normalised: lower.replace(VERSION_NUMBERS, '').replace(/\s+/g, ' ').trim(),
    browser:
      lower.startsWith('mozilla/') && BROWSER_ENGINES.test(lower) && !NON_HUMAN_MARKERS.test(lower),
  };
  if (USER_AGENT_MEMO.size >= USER_AGENT_MEMO_LIMIT) USER_AGENT_MEMO.clear();
  USER_AGENT_MEMO.set(raw, info);
  return info;
}

/**
 * Lowercase, version numbers removed: `aws-sdk-go/1.44.12 (go1.20; linux)` and the next
 * release's string are the same value, so a routine SDK upgrade does not look novel.
 */
export function normaliseUserAgent(raw: string): string {
  return userAgentInfo(raw).normalised;
}

/** Mozilla-style strings of a real browser engine, without SDK, CLI or headless markers. */
export function isBrowserUserAgent(raw: string): boolean {
  return userAgentInfo(raw).browser;
}

/**
 * The record set (object type) a `record.accessed` event read: `attributes.recordType`,
 * else `attributes.object`, else the resource without its last segment, cut at the last
 * `/` or `:` (`crm:contacts/8812` → `crm:contacts`, `salesforce:Account:001` →
 * `salesforce:Account`); a resource without separators is its own record set.
 */
export function recordSetOf(event: TelemetryEvent): string | null {
  const attributes = event.attributes;
  const declared = clampValue(attributes.recordType) ?? clampValue(attributes.object);
  if (declared !== null) return declared;
  const resource = event.resource;
  if (resource === null || resource === undefined) return null;
  const cut = Math.max(resource.lastIndexOf('/'), resource.lastIndexOf(':'));
  return clampValue(cut > 0 ? resource.slice(0, cut) : resource);
}

const MAX_RECORD_COUNT = 1e12;

function recordCountOf(event: TelemetryEvent): number {
  const declared = event.attributes.recordCount;
  if (typeof declared === 'number' && declared >= 0 && declared <= MAX_RECORD_COUNT) {
    return Math.floor(declared);
  }
  return 1;
}

/** `tool.invoked` names its tool in `attributes.tool`, else in the resource. */
function toolOf(event: TelemetryEvent): string | null {
  return clampValue(event.attributes.tool) ?? clampValue(event.resource);
}

export type MutableEventView = { -readonly [K in keyof EventView]: EventView[K] };

export function emptyView(): MutableEventView {
  return {
    timeMs: 0,
    hour: 0,
    day: 0,
    hourOfWeek: 0,
    type: '',
    action: null,
    rateKey: '',
    scope: null,
    tool: null,
    resource: null,
    recordSet: null,
    recordCount: 0,
    sourceIp: null,
    userAgent: null,
    browser: false,
    host: null,
    environment: null,
    lifecycle: null,
  };
}

export function viewOf(event: TelemetryEvent, timeMs: number): EventView {
  return fillView(emptyView(), event, timeMs);
}

/** viewOf into an existing object, for a caller that reuses one per event. */
export function fillView(view: MutableEventView, event: TelemetryEvent, timeMs: number): EventView {
  const type = clampValue(event.type) ?? 'unknown';
  const action = clampValue(event.action);
  const hour = Math.floor(timeMs / RATE_BUCKET_MS);
  const source = event.source ?? {};
  const rawUserAgent = clampValue(source.userAgent);
  const agent = rawUserAgent === null ? null : userAgentInfo(rawUserAgent);
  const records = type === 'record.accessed';
  view.timeMs = timeMs;
  view.hour = hour;
  view.day = Math.floor(timeMs / DAY_MS);
  view.hourOfWeek = hourOfWeekOf(hour);
  view.type = type;
  view.action = action;
  view.rateKey = action ?? type;
  view.scope = clampValue(event.scope);
  view.tool = type === 'tool.invoked' ? toolOf(event) : null;
  view.resource = clampValue(event.resource);
  view.recordSet = records ? recordSetOf(event) : null;
  view.recordCount = records ? recordCountOf(event) : 0;
  view.sourceIp = clampValue(source.ip);
  view.userAgent = agent === null || agent.normalised === '' ? null : agent.normalised;
  view.browser = agent !== null && agent.browser;
  view.host = clampValue(source.host);
  view.environment = clampValue(source.environment);
  view.lifecycle =
    type === 'credential.rotated' ? 'rotation' : type === 'certificate.renewed' ? 'renewal' : null;
  return view;
}
