import {
  EVENT_OUTCOMES,
  type EventOutcome,
  type EventSource,
  type TelemetryEvent,
} from '../../../contracts/src/telemetry';
import { IDENTITY_ID_PATTERN } from '../fingerprint';

/** Why one event of a batch was refused; the rest of the batch is unaffected. */
export interface EventRejection {
  readonly index: number;
  /** `unsupported_record`: a log-source record of a kind Vigil does not map (see sources/). */
  readonly code: 'validation_failed' | 'malformed_json' | 'unsupported_record';
  readonly field: string;
  readonly message: string;
}

export const EVENT_LIMITS = {
  idLength: 200,
  textLength: 500,
  typeLength: 64,
  attributesBytes: 16 * 1024,
  /** Events dated further ahead than this are refused: a clock that far off is a bug. */
  futureSkewMs: 5 * 60_000,
} as const;

const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=,-]*$/;
const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
// RFC 3339 date-time: the offset is required, so no event's time depends on a server's zone.
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const SOURCE_FIELDS = ['ip', 'userAgent', 'host', 'environment'] as const;
const KNOWN_FIELDS = new Set([
  'id',
  'time',
  'identityId',
  'type',
  'action',
  'resource',
  'scope',
  'source',
  'outcome',
  'attributes',
]);

/** Date.parse rolls 31 February over into March; a real date must exist as written. */
function isCalendarDate(time: string): boolean {
  const year = digits(time, 0, 4);
  const month = digits(time, 5, 2);
  const day = digits(time, 8, 2);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    digits(time, 11, 2) < 24 &&
    digits(time, 14, 2) < 60 &&
    digits(time, 17, 2) < 60
  );
}

/** The number written by `length` ASCII digits at `at` (the caller has matched them). */
function digits(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** A time already in the form toISOString gives: UTC, milliseconds, four-digit year. */
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function rejection(index: number, field: string, message: string): EventValidation {
  return {
    ok: false,
    rejection: { index, code: 'validation_failed', field: `events[${index}]${field}`, message },
  };
}

export type EventValidation =
  | { readonly ok: true; readonly event: TelemetryEvent; readonly timeMs: number }
  | { readonly ok: false; readonly rejection: EventRejection };

/**
 * Checks one event of a batch and returns it normalised (absent optional fields become null
 * or empty), or the first problem with the path of the offending field.
 */
export function validateEvent(raw: unknown, index: number, nowMs: number): EventValidation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return rejection(index, '', 'an event must be a JSON object');
  }
  const e = raw as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!KNOWN_FIELDS.has(key))
      return rejection(index, `.${key}`, `${key} is not a known event field`);
  }

  if (typeof e.id !== 'string' || e.id.length === 0 || e.id.length > EVENT_LIMITS.idLength) {
    return rejection(index, '.id', `id must be a string of 1-${EVENT_LIMITS.idLength} characters`);
  }
  if (!EVENT_ID.test(e.id)) {
    return rejection(
      index,
      '.id',
      'id may hold letters, digits and . _ : @ / + = , -, starting with a letter or digit',
    );
  }
  if (typeof e.time !== 'string' || !EVENT_TIME.test(e.time)) {
    return rejection(
      index,
      '.time',
      'time must be an RFC 3339 date-time with a time zone, e.g. 2026-11-24T10:00:00Z',
    );
  }
  const timeMs = Date.parse(e.time);
  if (Number.isNaN(timeMs) || !isCalendarDate(e.time)) {
    return rejection(index, '.time', `time ${e.time} is not a real date`);
  }
  if (timeMs > nowMs + EVENT_LIMITS.futureSkewMs) {
    return rejection(index, '.time', 'time is more than 5 minutes in the future');
  }
  if (typeof e.identityId !== 'string' || !IDENTITY_ID_PATTERN.test(e.identityId)) {
    return rejection(
      index,
      '.identityId',
      'identityId must be 1-160 characters: letters, digits and . _ : @ / + = , -, starting with a letter or digit',
    );
  }
  if (
    typeof e.type !== 'string' ||
    e.type.length > EVENT_LIMITS.typeLength ||
    !EVENT_TYPE.test(e.type)
  ) {
    return rejection(
      index,
      '.type',
      'type must be a dotted lower-case name such as secret.accessed',
    );
  }

  const text: Record<'action' | 'resource' | 'scope', string | null> = {
    action: null,
    resource: null,
    scope: null,
  };
  for (const field of ['action', 'resource', 'scope'] as const) {
    const value = e[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.length > EVENT_LIMITS.textLength) {
      return rejection(
        index,
        `.${field}`,
        `${field} must be a string of at most ${EVENT_LIMITS.textLength} characters`,
      );
    }
    text[field] = value;
  }

  let outcome: EventOutcome | null = null;
  if (e.outcome !== undefined && e.outcome !== null) {
    if (!(EVENT_OUTCOMES as readonly unknown[]).includes(e.outcome)) {
      return rejection(index, '.outcome', `outcome must be one of ${EVENT_OUTCOMES.join(', ')}`);
    }
    outcome = e.outcome as EventOutcome;
  }

  const source: { -readonly [K in keyof EventSource]: string } = {};
  if (e.source !== undefined && e.source !== null) {
    if (typeof e.source !== 'object' || Array.isArray(e.source)) {
      return rejection(index, '.source', 'source must be an object');
    }
    for (const [key, value] of Object.entries(e.source)) {
      if (!(SOURCE_FIELDS as readonly string[]).includes(key)) {
        return rejection(
          index,
          `.source.${key}`,
          `source.${key} is not a known field (${SOURCE_FIELDS.join(', ')})`,
        );
      }
      if (value === null || value === undefined) continue;
      if (typeof value !== 'string' || value.length > EVENT_LIMITS.textLength) {
        return rejection(
          index,
          `.source.${key}`,
          `source.${key} must be a string of at most ${EVENT_LIMITS.textLength} characters`,
        );
      }
      source[key as keyof EventSource] = value;
    }
  }

  let attributes: Record<string, unknown> = {};
  if (e.attributes !== undefined && e.attributes !== null) {
    if (typeof e.attributes !== 'object' || Array.isArray(e.attributes)) {
      return rejection(index, '.attributes', 'attributes must be an object');
    }
    if (JSON.stringify(e.attributes).length > EVENT_LIMITS.attributesBytes) {
      return rejection(
        index,
        '.attributes',
        `attributes must be at most ${EVENT_LIMITS.attributesBytes} bytes as JSON`,
      );
    }
    attributes = e.attributes as Record<string, unknown>;
  }

  return {
    ok: true,
    timeMs,
    event: {
      id: e.id,
      time: CANONICAL_TIME.test(e.time) ? e.time : new Date(timeMs).toISOString(),
      identityId: e.identityId,
      type: e.type,
      action: text.action,
      resource: text.resource,
      scope: text.scope,
      source,
      outcome,
      attributes,
    },
  };
}
