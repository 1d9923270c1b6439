import * as path from 'node:path';
import {
  authFromEnv,
  ConfigError,
  LOG_LEVELS,
  SETTINGS,
  databaseFromEnv,
  loadConfig,
  redactUrl,
  schedulesFromEnv,
  type SettingName,
} from '@vigil/config';
import { WEBHOOK_SETTINGS, configErrorOf } from '../support/config';

describe('loadConfig', () => {
  describe('defaults (empty environment)', () => {
    const config = loadConfig({});

    it('uses the documented Temporal defaults', () => {
      expect(config.temporal).toEqual({
        address: 'localhost:7233',
        namespace: 'default',
        taskQueue: 'vigil-cases',
        uiPort: 8233,
      });
    });

    it('listens on 0.0.0.0:3000', () => {
      expect(config.api).toEqual({ port: 3000, host: '0.0.0.0' });
    });

    it('logs at info', () => {
      expect(config.logLevel).toBe('info');
    });

    it('keeps data in an absolute .data folder under the working directory', () => {
      expect(config.dataDir).toBe(path.resolve('.data'));
      expect(path.isAbsolute(config.dataDir)).toBe(true);
    });

    it('uses a SQLite file in the data folder', () => {
      expect(config.database).toEqual({
        type: 'sqlite',
        path: path.resolve('.data', 'vigil.sqlite'),
      });
    });

    it('matches the defaults in the SETTINGS table', () => {
      const defaults = Object.fromEntries(SETTINGS.map((s) => [s.name, s.default]));
      expect(config.temporal.address).toBe(defaults.TEMPORAL_ADDRESS);
      expect(config.temporal.namespace).toBe(defaults.TEMPORAL_NAMESPACE);
      expect(config.temporal.taskQueue).toBe(defaults.TEMPORAL_TASK_QUEUE);
      expect(String(config.temporal.uiPort)).toBe(defaults.TEMPORAL_UI_PORT);
      expect(String(config.api.port)).toBe(defaults.API_PORT);
      expect(config.api.host).toBe(defaults.API_HOST);
      expect(config.logLevel).toBe(defaults.LOG_LEVEL);
      expect(String(config.ingest.baselineFlushMs)).toBe(defaults.BASELINE_FLUSH_MS);
      expect(config.authorize.failMode).toBe(defaults.AUTHORIZE_FAIL_MODE);
      expect(String(config.authorize.cacheTtlMs)).toBe(defaults.AUTHORIZE_CACHE_TTL_MS);
      expect(String(config.authorize.caseWaitMs)).toBe(defaults.AUTHORIZE_CASE_WAIT_MS);
      expect(defaults.DATABASE_URL).toBeNull();
    });

    it('does not read process.env when given an env object', () => {
      const saved = process.env.API_PORT;
      process.env.API_PORT = '9999';
      try {
        expect(loadConfig({}).api.port).toBe(3000);
      } finally {
        if (saved === undefined) delete process.env.API_PORT;
        else process.env.API_PORT = saved;
      }
    });
  });

  describe('overrides', () => {
    it.each([
      ['TEMPORAL_ADDRESS', 'temporal.internal:7233', (c) => c.temporal.address],
      ['TEMPORAL_ADDRESS', '10.0.0.5:17233', (c) => c.temporal.address],
      ['TEMPORAL_NAMESPACE', 'vigil-prod', (c) => c.temporal.namespace],
      ['TEMPORAL_TASK_QUEUE', 'vigil-cases-eu', (c) => c.temporal.taskQueue],
      ['API_HOST', '127.0.0.1', (c) => c.api.host],
    ] as Array<[SettingName, string, (c: ReturnType<typeof loadConfig>) => unknown]>)(
      '%s=%s is used as given',
      (name, value, pick) => {
        expect(pick(loadConfig({ [name]: value }))).toBe(value);
      },
    );

    it.each([
      ['TEMPORAL_UI_PORT', '18233', (c) => c.temporal.uiPort, 18233],
      ['API_PORT', '8080', (c) => c.api.port, 8080],
      ['API_PORT', '0', (c) => c.api.port, 0],
      ['API_PORT', '65535', (c) => c.api.port, 65535],
      ['BASELINE_FLUSH_MS', '1', (c) => c.ingest.baselineFlushMs, 1],
      ['BASELINE_FLUSH_MS', '2000', (c) => c.ingest.baselineFlushMs, 2000],
      ['BASELINE_FLUSH_MS', '60000', (c) => c.ingest.baselineFlushMs, 60_000],
    ] as Array<[SettingName, string, (c: ReturnType<typeof loadConfig>) => unknown, number]>)(
      '%s=%s is parsed as a number',
      (name, value, pick, expected) => {
        expect(pick(loadConfig({ [name]: value }))).toBe(expected);
      },
    );

    it.each(LOG_LEVELS)('LOG_LEVEL=%s is accepted', (level) => {
      expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
    });

    it('trims surrounding whitespace from values', () => {
      const config = loadConfig({ API_PORT: ' 8080 ', TEMPORAL_NAMESPACE: '  ns  ' });
      expect(config.api.port).toBe(8080);
      expect(config.temporal.namespace).toBe('ns');
    });

    it('leaves the other settings at their defaults when one is overridden', () => {
      const config = loadConfig({ API_PORT: '8080' });
      expect(config.temporal.address).toBe('localhost:7233');
      expect(config.logLevel).toBe('info');
    });

    it('ignores variables it does not know', () => {
      expect(loadConfig({ UNRELATED: 'x', PORT: '1' })).toEqual(loadConfig({}));
    });
  });

  describe('blank values fall back to defaults', () => {
    it.each(SETTINGS.map((s) => s.name))('%s="" or whitespace behaves as unset', (name) => {
      expect(loadConfig({ [name]: '' })).toEqual(loadConfig({}));
      expect(loadConfig({ [name]: '   ' })).toEqual(loadConfig({}));
    });
  });

  describe('invalid values throw a ConfigError naming the setting', () => {
    it.each([
      ['API_PORT', 'abc'],
      ['API_PORT', '-1'],
      ['API_PORT', '65536'],
      ['API_PORT', '80.5'],
      ['API_PORT', '3000abc'],
      ['TEMPORAL_UI_PORT', 'ui'],
      ['TEMPORAL_UI_PORT', '100000'],
    ] as Array<[SettingName, string]>)('%s=%s is not a port', (name, value) => {
      const error = configErrorOf(() => loadConfig({ [name]: value }));
      expect(error.setting).toBe(name);
      expect(error.name).toBe('ConfigError');
      expect(error.message).toBe(`${name}: must be a TCP port (0-65535), got "${value}"`);
    });

    it.each(['0', '60001', '-5', '1.5', '250ms', 'soon'])(
      'BASELINE_FLUSH_MS=%s is refused',
      (value) => {
        const error = configErrorOf(() => loadConfig({ BASELINE_FLUSH_MS: value }));
        expect(error.setting).toBe('BASELINE_FLUSH_MS');
        expect(error.message).toBe(
          `BASELINE_FLUSH_MS: must be a whole number of milliseconds (1-60000), got "${value}"`,
        );
      },
    );

    it.each(['verbose', 'INFO', 'trace', 'warning', 'silent'])(
      'LOG_LEVEL=%s is not a level',
      (value) => {
        const error = configErrorOf(() => loadConfig({ LOG_LEVEL: value }));
        expect(error.setting).toBe('LOG_LEVEL');
        expect(error.message).toBe('LOG_LEVEL: must be one of error, warn, info, debug');
      },
    );

    it.each([
      'localhost',
      'localhost:',
      ':7233',
      'localhost:port',
      'http://localhost:7233',
      'local host:7233',
      'localhost:7233/x',
    ])('TEMPORAL_ADDRESS=%s is not host:port', (value) => {
      const error = configErrorOf(() => loadConfig({ TEMPORAL_ADDRESS: value }));
      expect(error.setting).toBe('TEMPORAL_ADDRESS');
      expect(error.message).toBe(
        `TEMPORAL_ADDRESS: must be host:port or [ipv6]:port, got "${value}"`,
      );
    });

    it.each([
      'mysql://user:pass@db:3306/vigil',
      'sqlite:///tmp/vigil.sqlite',
      '/tmp/vigil.sqlite',
      'postgres:/db',
      'https://db/vigil',
    ])('DATABASE_URL=%s is not a postgres URL', (value) => {
      const error = configErrorOf(() => loadConfig({ DATABASE_URL: value }));
      expect(error.setting).toBe('DATABASE_URL');
      expect(error.message).toBe('DATABASE_URL: must be a postgres:// or postgresql:// URL');
    });

    it('never echoes a rejected DATABASE_URL, so its password is not logged', () => {
      const error = configErrorOf(() =>
        loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/vigil' }),
      );
      expect(error.message).not.toContain('hunter2');
    });

    it('is an Error', () => {
      const error = configErrorOf(() => loadConfig({ API_PORT: 'x' }));
      expect(error).toBeInstanceOf(Error);
    });
  });

  describe('database selection', () => {
    it.each([
      'postgres://vigil:secret@db:5432/vigil',
      'postgresql://vigil@db/vigil?sslmode=require',
      'postgres://localhost/vigil',
    ])('DATABASE_URL=%s switches to postgres with the URL as given', (url) => {
      expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ type: 'postgres', url });
    });

    it('still resolves the data folder when postgres is used', () => {
      const config = loadConfig({
        DATABASE_URL: 'postgres://db/vigil',
        VIGIL_DATA_DIR: '/srv/vigil',
      });
      expect(config.database.type).toBe('postgres');
      expect(config.dataDir).toBe(path.resolve('/srv/vigil'));
    });

    it.each([
      ['/var/lib/vigil', path.resolve('/var/lib/vigil', 'vigil.sqlite')],
      ['relative/data', path.resolve('relative/data', 'vigil.sqlite')],
      ['./x/../y', path.resolve('y', 'vigil.sqlite')],
    ])('VIGIL_DATA_DIR=%s puts the SQLite file at %s', (dir, expected) => {
      const config = loadConfig({ VIGIL_DATA_DIR: dir });
      expect(config.database).toEqual({ type: 'sqlite', path: expected });
      expect(config.dataDir).toBe(path.dirname(expected));
    });

    it('databaseFromEnv agrees with loadConfig', () => {
      const env = { VIGIL_DATA_DIR: '/tmp/vigil-x' };
      expect(databaseFromEnv(env)).toEqual(loadConfig(env).database);
      expect(databaseFromEnv({ DATABASE_URL: 'postgres://h/d' })).toEqual({
        type: 'postgres',
        url: 'postgres://h/d',
      });
    });

    it('databaseFromEnv rejects a non-postgres URL with a ConfigError', () => {
      expect(configErrorOf(() => databaseFromEnv({ DATABASE_URL: 'mongodb://x' })).setting).toBe(
        'DATABASE_URL',
      );
    });
  });
});

describe('redactUrl', () => {
  it.each([
    ['postgres://vigil:secret@db:5432/vigil', 'postgres://vigil:***@db:5432/vigil'],
    ['postgresql://u:p%40ss@h/db?sslmode=require', 'postgresql://u:***@h/db?sslmode=require'],
    ['postgres://:secret@db/vigil', 'postgres://:***@db/vigil'],
    ['https://admin:hunter2@example.com/', 'https://admin:***@example.com/'],
  ])('hides the password of %s', (url, expected) => {
    const redacted = redactUrl(url);
    expect(redacted).toBe(expected);
    expect(redacted).not.toMatch(/secret|p%40ss|hunter2/);
  });

  it.each(['postgres://vigil@db/vigil', 'postgres://db:5432/vigil'])(
    'leaves %s (no password) as it is',
    (url) => {
      expect(redactUrl(url)).toBe(url);
    },
  );

  it.each(['', 'not a url', '://x', 'postgres//user:secret@db', 'http://[::1'])(
    'returns a placeholder for garbage (%j) instead of throwing or echoing it',
    (garbage) => {
      expect(redactUrl(garbage)).toBe('<unparseable url>');
    },
  );
});

describe('guardrail settings', () => {
  it('fails closed by default and fails open only when told', () => {
    expect(loadConfig({}).authorize.failMode).toBe('fail-closed');
    expect(loadConfig({ AUTHORIZE_FAIL_MODE: 'fail-open' }).authorize.failMode).toBe('fail-open');
  });

  it.each(['open', 'closed', 'FAIL-CLOSED', 'deny'])(
    'AUTHORIZE_FAIL_MODE=%s is refused',
    (value) => {
      const error = configErrorOf(() => loadConfig({ AUTHORIZE_FAIL_MODE: value }));
      expect(error.setting).toBe('AUTHORIZE_FAIL_MODE');
      expect(error.message).toBe(
        `AUTHORIZE_FAIL_MODE: must be one of fail-closed, fail-open, got "${value}"`,
      );
    },
  );

  it('takes a cache TTL from 0 (no cache) to 60000 ms', () => {
    expect(loadConfig({ AUTHORIZE_CACHE_TTL_MS: '0' }).authorize.cacheTtlMs).toBe(0);
    expect(loadConfig({ AUTHORIZE_CACHE_TTL_MS: '60000' }).authorize.cacheTtlMs).toBe(60_000);
    for (const value of ['60001', '-1', '1.5', 'soon']) {
      expect(configErrorOf(() => loadConfig({ AUTHORIZE_CACHE_TTL_MS: value })).setting).toBe(
        'AUTHORIZE_CACHE_TTL_MS',
      );
    }
  });
});

describe('AUTHORIZE_CASE_WAIT_MS', () => {
  it('takes a wait from 0 (never waits) to 1000 ms', () => {
    expect(loadConfig({}).authorize.caseWaitMs).toBe(0);
    expect(loadConfig({ AUTHORIZE_CASE_WAIT_MS: '250' }).authorize.caseWaitMs).toBe(250);
    for (const value of ['1001', '-1', 'later']) {
      expect(configErrorOf(() => loadConfig({ AUTHORIZE_CASE_WAIT_MS: value })).setting).toBe(
        'AUTHORIZE_CASE_WAIT_MS',
      );
    }
  });
});

describe('SETTINGS', () => {
  it.each(SETTINGS.map((s) => [s.name, s] as const))('%s is documented', (_name, setting) => {
    expect(setting.description.trim().length).toBeGreaterThan(10);
    expect(setting.usedBy.length).toBeGreaterThan(0);
    for (const user of setting.usedBy) expect(['api', 'worker', 'start']).toContain(user);
  });

  it('names each setting once, in upper snake case', () => {
    const names = SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });

  it('lists every setting loadConfig reads', () => {
    expect(SETTINGS.map((s) => s.name).sort()).toEqual(
      [
        'API_HOST',
        'API_PORT',
        'AUTHORIZE_CACHE_TTL_MS',
        'AUTHORIZE_CASE_WAIT_MS',
        'AUTHORIZE_FAIL_MODE',
        'BASELINE_FLUSH_MS',
        'DATABASE_URL',
        'LOG_LEVEL',
        'TEMPORAL_ADDRESS',
        'TEMPORAL_NAMESPACE',
        'TEMPORAL_TASK_QUEUE',
        'TEMPORAL_UI_PORT',
        'VIGIL_DATA_DIR',
        'TUNING_INTERVAL',
        'TUNING_TARGET_PRECISION',
        'SWEEP_INTERVAL',
        'EVENT_RETENTION_DAYS',
        'RETENTION_INTERVAL',
        'VIGIL_ADMIN_KEY',
        'RATE_LIMIT_PER_SECOND',
        'CORS_ORIGINS',
        ...WEBHOOK_SETTINGS,
      ].sort(),
    );
  });

  it('gives every setting except DATABASE_URL, the optional secrets and endpoints a default', () => {
    expect(SETTINGS.filter((s) => s.default === null).map((s) => s.name)).toEqual([
      'DATABASE_URL',
      'VIGIL_ADMIN_KEY',
      'CORS_ORIGINS',
      ...WEBHOOK_SETTINGS.filter(
        (name) => name !== 'WEBHOOK_TIMEOUT_MS' && name !== 'NOTIFY_WEBHOOK_FORMAT',
      ),
    ]);
  });

  it('documents the LOG_LEVEL values loadConfig accepts', () => {
    const logLevel = SETTINGS.find((s) => s.name === 'LOG_LEVEL');
    for (const level of LOG_LEVELS) expect(logLevel?.description).toContain(level);
  });
});

describe('schedule settings', () => {
  it('defaults to tuning every 6 hours, sweeps hourly, daily retention of 7 days', () => {
    expect(schedulesFromEnv({})).toEqual({
      tuningIntervalMs: 6 * 3_600_000,
      sweepIntervalMs: 3_600_000,
      retentionIntervalMs: 86_400_000,
      eventRetentionDays: 7,
      targetPrecision: 0.8,
    });
  });

  it('reads durations in s, m, h and d, and off', () => {
    const settings = schedulesFromEnv({
      TUNING_INTERVAL: '15m',
      SWEEP_INTERVAL: 'off',
      RETENTION_INTERVAL: '30s',
      EVENT_RETENTION_DAYS: '30',
      TUNING_TARGET_PRECISION: '0.9',
    });
    expect(settings).toEqual({
      tuningIntervalMs: 900_000,
      sweepIntervalMs: null,
      retentionIntervalMs: 30_000,
      eventRetentionDays: 30,
      targetPrecision: 0.9,
    });
  });

  it.each([
    ['TUNING_INTERVAL', '6', /duration from 10s to 30d/],
    ['TUNING_INTERVAL', '5s', /duration from 10s to 30d/],
    ['SWEEP_INTERVAL', '31d', /duration from 10s to 30d/],
    ['RETENTION_INTERVAL', '1w', /duration from 10s to 30d/],
    ['EVENT_RETENTION_DAYS', '0', /whole number of days/],
    ['EVENT_RETENTION_DAYS', '7.5', /whole number of days/],
    ['TUNING_TARGET_PRECISION', '1.5', /from 0.05 to 1/],
    ['TUNING_TARGET_PRECISION', 'high', /from 0.05 to 1/],
  ])('rejects %s=%s naming the setting', (name, value, message) => {
    expect(() => schedulesFromEnv({ [name]: value })).toThrow(ConfigError);
    expect(() => schedulesFromEnv({ [name]: value })).toThrow(message);
    expect(() => schedulesFromEnv({ [name]: value })).toThrow(name);
  });
});

describe('authFromEnv', () => {
  const KEY = 'vgl_a1b2c3d4e5_ABCDEFGHIJKLMNOPQRSTUVWXyz0123';

  it('reads the admin key, the rate limit and the CORS origins', () => {
    expect(
      authFromEnv({
        VIGIL_ADMIN_KEY: KEY,
        RATE_LIMIT_PER_SECOND: '50',
        CORS_ORIGINS: 'https://soc.example.com, http://localhost:5173',
      }),
    ).toEqual({
      adminKey: KEY,
      ratePerSecond: 50,
      corsOrigins: ['https://soc.example.com', 'http://localhost:5173'],
    });
  });

  it('defaults to no admin key, 2000 requests per second and CORS off', () => {
    expect(authFromEnv({})).toEqual({ adminKey: null, ratePerSecond: 2000, corsOrigins: [] });
    expect(authFromEnv({ RATE_LIMIT_PER_SECOND: 'off' }).ratePerSecond).toBeNull();
  });

  it.each([
    ['VIGIL_ADMIN_KEY', 'hunter2'],
    ['VIGIL_ADMIN_KEY', 'vgl_short_ABCDEFGHIJKLMNOPQRSTUVWXyz0123'],
    ['RATE_LIMIT_PER_SECOND', '0'],
    ['RATE_LIMIT_PER_SECOND', 'fast'],
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'https://soc.example.com/app'],
  ])('rejects %s=%s naming the setting', (name, value) => {
    expect(() => authFromEnv({ [name]: value })).toThrow(name);
  });

  it('never puts the admin key in its error', () => {
    const secret = 'vgl_UPPERCASE_ABCDEFGHIJKLMNOPQRSTUVWXyz0123';
    expect(() => authFromEnv({ VIGIL_ADMIN_KEY: secret })).toThrow(/VIGIL_ADMIN_KEY/);
    try {
      authFromEnv({ VIGIL_ADMIN_KEY: secret });
    } catch (error) {
      expect(String(error)).not.toContain('ABCDEFGHIJ');
    }
  });
});
