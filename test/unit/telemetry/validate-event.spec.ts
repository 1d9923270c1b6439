import { EVENT_LIMITS, parseBatch, BatchFormatError, validateEvent } from '@vigil/domain';

const NOW = Date.parse('2026-11-24T12:00:00Z');

const event = (overrides: Record<string, unknown> = {}) => ({
  id: 'evt-1',
  time: '2026-11-24T10:00:00Z',
  identityId: 'svc-payments',
  type: 'secret.accessed',
  action: 'read',
  resource: 'vault:prod/db',
  scope: 'secrets:read',
  source: { ip: '10.0.0.4', userAgent: 'vault-go/1.2' },
  outcome: 'allowed',
  attributes: { path: 'prod/db' },
  ...overrides,
});

describe('validateEvent', () => {
  it('accepts a full event and normalises its time to UTC', () => {
    const result = validateEvent(event({ time: '2026-11-24T11:00:00+01:00' }), 0, NOW);
    expect(result).toEqual({
      ok: true,
      timeMs: Date.parse('2026-11-24T10:00:00Z'),
      event: { ...event(), time: '2026-11-24T10:00:00.000Z' },
    });
  });

  it('fills absent optional fields', () => {
    const minimal = {
      id: 'e',
      time: '2026-11-24T10:00:00Z',
      identityId: 'svc',
      type: 'token.used',
    };
    const result = validateEvent(minimal, 0, NOW);
    expect(result).toMatchObject({
      ok: true,
      event: {
        action: null,
        resource: null,
        scope: null,
        source: {},
        outcome: null,
        attributes: {},
      },
    });
  });

  it.each([
    ['not an object', 'x', ''],
    ['an array', [], ''],
    ['a missing id', { id: undefined }, '.id'],
    ['an empty id', { id: '' }, '.id'],
    ['an id too long', { id: 'e'.repeat(EVENT_LIMITS.idLength + 1) }, '.id'],
    ['an id with a space', { id: 'e 1' }, '.id'],
    ['a time without zone', { time: '2026-11-24T10:00:00' }, '.time'],
    ['a date only', { time: '2026-11-24' }, '.time'],
    ['an impossible date', { time: '2026-02-31T10:00:00Z' }, '.time'],
    ['a time in the future', { time: '2026-11-24T12:06:00Z' }, '.time'],
    ['a missing identity', { identityId: undefined }, '.identityId'],
    ['an identity with spaces', { identityId: 'svc payments' }, '.identityId'],
    ['an upper-case type', { type: 'Secret.Accessed' }, '.type'],
    ['an undotted type', { type: 'accessed' }, '.type'],
    ['a numeric action', { action: 3 }, '.action'],
    ['a resource too long', { resource: 'r'.repeat(EVENT_LIMITS.textLength + 1) }, '.resource'],
    ['an unknown outcome', { outcome: 'maybe' }, '.outcome'],
    ['a source that is a string', { source: '10.0.0.1' }, '.source'],
    ['an unknown source field', { source: { region: 'eu' } }, '.source.region'],
    ['a numeric source ip', { source: { ip: 10 } }, '.source.ip'],
    ['attributes that are an array', { attributes: [] }, '.attributes'],
    [
      'attributes too large',
      { attributes: { blob: 'x'.repeat(EVENT_LIMITS.attributesBytes) } },
      '.attributes',
    ],
    ['an unknown field', { severity: 'high' }, '.severity'],
  ])('refuses %s, naming the field', (_label, change, field) => {
    const raw =
      typeof change === 'object' && change !== null && !Array.isArray(change)
        ? event(change)
        : change;
    const result = validateEvent(raw, 7, NOW);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.rejection).toEqual({
        index: 7,
        code: 'validation_failed',
        field: `events[7]${field}`,
        message: expect.any(String),
      });
    }
  });

  it('allows a small clock skew into the future', () => {
    expect(validateEvent(event({ time: '2026-11-24T12:04:00Z' }), 0, NOW).ok).toBe(true);
  });
});

describe('parseBatch', () => {
  it('reads a JSON array', () => {
    expect(parseBatch('[{"a":1},{"b":2}]', 'json')).toEqual({
      items: [{ a: 1 }, { b: 2 }],
      rejected: [],
    });
  });

  it('refuses a JSON body that is not an array, or not JSON', () => {
    expect(() => parseBatch('{"a":1}', 'json')).toThrow(BatchFormatError);
    expect(() => parseBatch('[{"a":', 'json')).toThrow('not valid JSON');
  });

  it('reads NDJSON, skipping blank lines and refusing only the lines that do not parse', () => {
    const body = '{"a":1}\n\n{"b":\n{"c":3}\r\n';
    expect(parseBatch(body, 'ndjson')).toEqual({
      items: [{ a: 1 }, undefined, { c: 3 }],
      rejected: [
        {
          index: 1,
          code: 'malformed_json',
          field: 'events[1]',
          message: 'line 3 is not valid JSON',
        },
      ],
    });
  });
});
