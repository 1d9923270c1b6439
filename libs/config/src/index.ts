import * as path from 'node:path';

/**
 * Every setting Vigil reads from the environment, in one table. The API, the worker, the
 * start script, docker-compose.yml and the README's configuration table all use these names.
 */
export interface SettingSpec {
  readonly name: string;
  readonly default: string | null;
  readonly description: string;
  readonly usedBy: ReadonlyArray<'api' | 'worker' | 'start'>;
}

export const SETTINGS = [
  {
    name: 'TEMPORAL_ADDRESS',
    default: 'localhost:7233',
    description: 'Temporal frontend (host:port). `npm start` runs a dev server here unless set.',
    usedBy: ['api', 'worker', 'start'],
  },
  {
    name: 'TEMPORAL_NAMESPACE',
    default: 'default',
    description: 'Temporal namespace that holds the case workflows.',
    usedBy: ['api', 'worker', 'start'],
  },
  {
    name: 'TEMPORAL_TASK_QUEUE',
    default: 'vigil-cases',
    description: 'Task queue the worker polls and the API starts cases on.',
    usedBy: ['api', 'worker'],
  },
  {
    name: 'TEMPORAL_UI_PORT',
    default: '8233',
    description: 'Port of the Temporal Web UI served by the dev server (`npm start` only).',
    usedBy: ['start'],
  },
  {
    name: 'DATABASE_URL',
    default: null,
    description:
      'PostgreSQL connection URL (postgres://user:pass@host:5432/db). Unset: SQLite file in VIGIL_DATA_DIR.',
    usedBy: ['api', 'worker'],
  },
  {
    name: 'VIGIL_DATA_DIR',
    default: '.data',
    description: 'Folder for the SQLite database and the dev server’s Temporal database.',
    usedBy: ['api', 'worker', 'start'],
  },
  {
    name: 'API_PORT',
    default: '3000',
    description: 'HTTP port of the API.',
    usedBy: ['api', 'start'],
  },
  {
    name: 'API_HOST',
    default: '0.0.0.0',
    description: 'Interface the API listens on.',
    usedBy: ['api'],
  },
  {
    name: 'VIGIL_ADMIN_KEY',
    default: null,
    description:
      'Secret: on first start with an empty key store, this key (`vgl_<id>_<secret>`) becomes the admin key. Unset: one is generated and printed once.',
    usedBy: ['api', 'start'],
  },
  {
    name: 'RATE_LIMIT_PER_SECOND',
    default: '2000',
    description:
      'Requests per second each API key may make (bursts up to twice that), or `off`. Over it: 429 with Retry-After.',
    usedBy: ['api'],
  },
  {
    name: 'CORS_ORIGINS',
    default: null,
    description:
      'Comma-separated browser origins allowed to call the API cross-origin. Unset: CORS is off.',
    usedBy: ['api'],
  },
  {
    name: 'BASELINE_FLUSH_MS',
    default: '500',
    description:
      'How often the API writes the baseline changes of ingested events to the database, in milliseconds.',
    usedBy: ['api'],
  },
  {
    name: 'AUTHORIZE_FAIL_MODE',
    default: 'fail-closed',
    description:
      'What POST /v1/authorize answers when its policies cannot be evaluated: fail-closed (deny) or fail-open (allow), always with the reason.',
    usedBy: ['api'],
  },
  {
    name: 'AUTHORIZE_CACHE_TTL_MS',
    default: '2000',
    description:
      'How long the guardrail trusts an identity (status, restrictions) it read, in milliseconds (0-60000): the bound on how late a suspension or block made by another process takes effect.',
    usedBy: ['api'],
  },
  {
    name: 'AUTHORIZE_CASE_WAIT_MS',
    default: '0',
    description:
      'How long the first denial of an agent and tool waits for its case id before POST /v1/authorize answers without it, in milliseconds (0-1000). Later denials name their case at once; the case opens either way.',
    usedBy: ['api'],
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    description: 'One of error, warn, info, debug.',
    usedBy: ['api', 'worker', 'start'],
  },
  {
    name: 'REMEDIATION_WEBHOOK_URL',
    default: null,
    description:
      'http(s) endpoint that carries out `webhook` playbook steps (Standard Webhooks, signed). Unset: such steps fail as ConnectorNotConfigured.',
    usedBy: ['worker'],
  },
  {
    name: 'REMEDIATION_WEBHOOK_SECRET',
    default: null,
    description:
      'Secret: signing key of the remediation webhook, `whsec_<base64>` or any string. Required with REMEDIATION_WEBHOOK_URL.',
    usedBy: ['worker'],
  },
  {
    name: 'NOTIFY_WEBHOOK_URL',
    default: null,
    description:
      'http(s) endpoint that receives case notifications (Standard Webhooks, signed). Unset: not sent.',
    usedBy: ['worker'],
  },
  {
    name: 'NOTIFY_WEBHOOK_SECRET',
    default: null,
    description:
      'Secret: signing key of the notification webhook, `whsec_<base64>` or any string. Required with NOTIFY_WEBHOOK_URL.',
    usedBy: ['worker'],
  },
  {
    name: 'NOTIFY_WEBHOOK_FORMAT',
    default: 'vigil',
    description:
      'Body of the notification webhook: `vigil` (the case notification) or `ocsf` (the case as an OCSF 1.3 Detection Finding, class 2004).',
    usedBy: ['worker'],
  },
  {
    name: 'SLACK_WEBHOOK_URL',
    default: null,
    description:
      'Secret: Slack incoming-webhook URL (its path is the credential) for case notifications. Unset: not sent.',
    usedBy: ['worker'],
  },
  {
    name: 'WEBHOOK_TIMEOUT_MS',
    default: '10000',
    description: 'How long one webhook or Slack request may take, in milliseconds (1-300000).',
    usedBy: ['worker'],
  },
  {
    name: 'TUNING_INTERVAL',
    default: '6h',
    description:
      'How often the baselineTuning Schedule runs (`30s`, `15m`, `6h`, `1d`…), or `off` to run tuning only on demand.',
    usedBy: ['worker'],
  },
  {
    name: 'TUNING_TARGET_PRECISION',
    default: '0.8',
    description:
      'Share of a detector’s cases that analysts should confirm; tuning raises a threshold while verdicts fall short (0.05-1).',
    usedBy: ['worker'],
  },
  {
    name: 'SWEEP_INTERVAL',
    default: '1h',
    description:
      'How often each inventory sweep Schedule runs (same format as TUNING_INTERVAL), or `off`.',
    usedBy: ['worker'],
  },
  {
    name: 'EVENT_RETENTION_DAYS',
    default: '7',
    description:
      'Days raw events are kept for case context and what-if replay (1-3650); duplicates are recognised for as long.',
    usedBy: ['worker'],
  },
  {
    name: 'RETENTION_INTERVAL',
    default: '1d',
    description: 'How often the eventRetention Schedule deletes expired events, or `off`.',
    usedBy: ['worker'],
  },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTINGS)[number]['name'];

export type DatabaseSettings =
  | {
      readonly type: 'sqlite';
      readonly path: string;
      /** How long a write waits for another connection's lock before failing (default 10 s). */
      readonly busyTimeoutMs?: number;
    }
  | { readonly type: 'postgres'; readonly url: string };

export interface VigilConfig {
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    readonly uiPort: number;
  };
  readonly database: DatabaseSettings;
  readonly dataDir: string;
  readonly api: { readonly port: number; readonly host: string };
  readonly auth: AuthSettings;
  readonly ingest: { readonly baselineFlushMs: number };
  readonly authorize: AuthorizeSettings;
  readonly logLevel: LogLevel;
  readonly webhooks: WebhookSettings;
  readonly schedules: ScheduleSettings;
}

/** API keys and the limits on what one key may ask. */
export interface AuthSettings {
  /** Becomes the admin key when the key store is empty; null: one is generated. */
  readonly adminKey: string | null;
  /** Requests per second per key; null: unlimited. */
  readonly ratePerSecond: number | null;
  /** Origins allowed cross-origin; empty: CORS off. */
  readonly corsOrigins: readonly string[];
}

/** The Temporal Schedules the worker keeps; a null interval leaves that Schedule off. */
export interface ScheduleSettings {
  readonly tuningIntervalMs: number | null;
  readonly sweepIntervalMs: number | null;
  readonly retentionIntervalMs: number | null;
  readonly eventRetentionDays: number;
  readonly targetPrecision: number;
}

/** Outbound webhooks of the worker; a null URL leaves that channel unconfigured. */
export interface WebhookSettings {
  readonly remediation: { readonly url: string | null; readonly secret: string | null };
  readonly notify: { readonly url: string | null; readonly secret: string | null };
  /** What the notification webhook's body is: Vigil's notification or an OCSF finding. */
  readonly notifyFormat: NotifyFormat;
  readonly slackUrl: string | null;
  readonly timeoutMs: number;
}

export const FAIL_MODES = ['fail-closed', 'fail-open'] as const;
export type FailMode = (typeof FAIL_MODES)[number];

/** The inline guardrail (`POST /v1/authorize`). */
export interface AuthorizeSettings {
  /** The answer when policies cannot be evaluated: deny (`fail-closed`) or allow. */
  readonly failMode: FailMode;
  /** How long an identity's status and restrictions are cached before they are read again. */
  readonly cacheTtlMs: number;
  /** How long a first denial waits for its case id (0: never waits for Temporal). */
  readonly caseWaitMs: number;
}
export const NOTIFY_FORMATS = ['vigil', 'ocsf'] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(
    readonly setting: SettingName,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: SettingName): string | null {
  const value = env[name]?.trim();
  if (value) return value;
  const spec = SETTINGS.find((s) => s.name === name);
  return spec?.default ?? null;
}

function required(env: Env, name: SettingName): string {
  const value = read(env, name);
  if (value === null) throw new ConfigError(name, 'is required');
  return value;
}

function port(env: Env, name: SettingName): number {
  const raw = required(env, name);
  const value = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 0 && value <= 65535)) {
    throw new ConfigError(name, `must be a TCP port (0-65535), got "${raw}"`);
  }
  return value;
}

function milliseconds(env: Env, name: SettingName, min: number, max: number): number {
  const raw = required(env, name);
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    throw new ConfigError(
      name,
      `must be a whole number of milliseconds (${min}-${max}), got "${raw}"`,
    );
  }
  return value;
}

export function databaseFromEnv(env: Env = process.env): DatabaseSettings {
  const url = read(env, 'DATABASE_URL');
  if (url === null) {
    return { type: 'sqlite', path: path.resolve(required(env, 'VIGIL_DATA_DIR'), 'vigil.sqlite') };
  }
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }
  return { type: 'postgres', url };
}

export function loadConfig(env: Env = process.env): VigilConfig {
  const logLevel = required(env, 'LOG_LEVEL');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const address = required(env, 'TEMPORAL_ADDRESS');
  if (!isHostPort(address)) {
    throw new ConfigError('TEMPORAL_ADDRESS', `must be host:port or [ipv6]:port, got "${address}"`);
  }
  return {
    temporal: {
      address,
      namespace: required(env, 'TEMPORAL_NAMESPACE'),
      taskQueue: required(env, 'TEMPORAL_TASK_QUEUE'),
      uiPort: port(env, 'TEMPORAL_UI_PORT'),
    },
    database: databaseFromEnv(env),
    dataDir: path.resolve(required(env, 'VIGIL_DATA_DIR')),
    api: { port: port(env, 'API_PORT'), host: required(env, 'API_HOST') },
    auth: authFromEnv(env),
    ingest: { baselineFlushMs: milliseconds(env, 'BASELINE_FLUSH_MS', 1, 60_000) },
    authorize: authorizeFromEnv(env),
    logLevel: logLevel as LogLevel,
    webhooks: webhooksFromEnv(env),
    schedules: schedulesFromEnv(env),
  };
}

/** The admin key has the shape every key has: `vgl_<id>_<secret>`. */
const API_KEY_SHAPE = /^vgl_[a-z0-9]{8,32}_[A-Za-z0-9]{24,128}$/;

export function authFromEnv(env: Env = process.env): AuthSettings {
  const adminKey = read(env, 'VIGIL_ADMIN_KEY');
  if (adminKey !== null && !API_KEY_SHAPE.test(adminKey)) {
    // The value is a secret: the message names the shape, never the value.
    throw new ConfigError(
      'VIGIL_ADMIN_KEY',
      'must look like vgl_<id>_<secret>: id 8-32 of a-z0-9, secret 24-128 letters and digits',
    );
  }
  const rate = required(env, 'RATE_LIMIT_PER_SECOND');
  let ratePerSecond: number | null = null;
  if (rate !== 'off') {
    ratePerSecond = /^\d{1,7}$/.test(rate) ? Number(rate) : NaN;
    if (!(ratePerSecond >= 1)) {
      throw new ConfigError(
        'RATE_LIMIT_PER_SECOND',
        `must be a whole number of requests (1-9999999) or off, got "${rate}"`,
      );
    }
  }
  const origins = read(env, 'CORS_ORIGINS');
  const corsOrigins = origins === null ? [] : origins.split(',').map((o) => o.trim());
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        'CORS_ORIGINS',
        `each origin must be scheme://host[:port] with no path, got "${origin}"`,
      );
    }
  }
  return { adminKey, ratePerSecond, corsOrigins };
}

export function schedulesFromEnv(env: Env = process.env): ScheduleSettings {
  const days = required(env, 'EVENT_RETENTION_DAYS');
  const retentionDays = /^\d{1,4}$/.test(days) ? Number(days) : NaN;
  if (!(retentionDays >= 1 && retentionDays <= 3650)) {
    throw new ConfigError(
      'EVENT_RETENTION_DAYS',
      `must be a whole number of days (1-3650), got "${days}"`,
    );
  }
  const precision = required(env, 'TUNING_TARGET_PRECISION');
  const targetPrecision = /^(0(\.\d+)?|1(\.0+)?)$/.test(precision) ? Number(precision) : NaN;
  if (!(targetPrecision >= 0.05 && targetPrecision <= 1)) {
    throw new ConfigError(
      'TUNING_TARGET_PRECISION',
      `must be a number from 0.05 to 1, got "${precision}"`,
    );
  }
  return {
    tuningIntervalMs: interval(env, 'TUNING_INTERVAL'),
    sweepIntervalMs: interval(env, 'SWEEP_INTERVAL'),
    retentionIntervalMs: interval(env, 'RETENTION_INTERVAL'),
    eventRetentionDays: retentionDays,
    targetPrecision,
  };
}

const INTERVAL_UNITS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `30s`, `15m`, `6h`, `1d` (10 seconds to 30 days), or `off` (null). */
function interval(env: Env, name: SettingName): number | null {
  const raw = required(env, name);
  if (raw.toLowerCase() === 'off') return null;
  const match = /^(\d{1,6})([smhd])$/.exec(raw);
  const value = match ? Number(match[1]) * INTERVAL_UNITS[match[2]] : NaN;
  if (!(value >= 10_000 && value <= 30 * 86_400_000)) {
    throw new ConfigError(
      name,
      `must be a duration from 10s to 30d such as 15m, 6h or 1d, or "off"; got "${raw}"`,
    );
  }
  return value;
}

export function authorizeFromEnv(env: Env = process.env): AuthorizeSettings {
  const failMode = required(env, 'AUTHORIZE_FAIL_MODE');
  if (!(FAIL_MODES as readonly string[]).includes(failMode)) {
    throw new ConfigError(
      'AUTHORIZE_FAIL_MODE',
      `must be one of ${FAIL_MODES.join(', ')}, got "${failMode}"`,
    );
  }
  return {
    failMode: failMode as FailMode,
    cacheTtlMs: milliseconds(env, 'AUTHORIZE_CACHE_TTL_MS', 0, 60_000),
    caseWaitMs: milliseconds(env, 'AUTHORIZE_CASE_WAIT_MS', 0, 1_000),
  };
}

export function webhooksFromEnv(env: Env = process.env): WebhookSettings {
  return {
    remediation: signedEndpoint(env, 'REMEDIATION_WEBHOOK_URL', 'REMEDIATION_WEBHOOK_SECRET'),
    notify: signedEndpoint(env, 'NOTIFY_WEBHOOK_URL', 'NOTIFY_WEBHOOK_SECRET'),
    notifyFormat: notifyFormat(env),
    slackUrl: httpUrl(env, 'SLACK_WEBHOOK_URL'),
    timeoutMs: milliseconds(env, 'WEBHOOK_TIMEOUT_MS', 1, 300_000),
  };
}

function notifyFormat(env: Env): NotifyFormat {
  const value = required(env, 'NOTIFY_WEBHOOK_FORMAT');
  if (!(NOTIFY_FORMATS as readonly string[]).includes(value)) {
    throw new ConfigError(
      'NOTIFY_WEBHOOK_FORMAT',
      `must be one of ${NOTIFY_FORMATS.join(', ')}, got "${value}"`,
    );
  }
  return value as NotifyFormat;
}

/** A webhook URL and its signing secret: both or neither. Values are never echoed. */
function signedEndpoint(
  env: Env,
  urlName: SettingName,
  secretName: SettingName,
): { readonly url: string | null; readonly secret: string | null } {
  const url = httpUrl(env, urlName);
  const secret = read(env, secretName);
  if (url !== null && secret === null) {
    throw new ConfigError(secretName, `is required when ${urlName} is set`);
  }
  if (secret !== null && secret.startsWith('whsec_')) {
    const encoded = secret.slice('whsec_'.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) {
      throw new ConfigError(secretName, 'must be "whsec_" followed by base64, or a plain string');
    }
  }
  return { url, secret };
}

/** An http(s) URL; the rejected value is not echoed, as the URL may hold a credential. */
function httpUrl(env: Env, name: SettingName): string | null {
  const value = read(env, name);
  if (value === null) return null;
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    // Unparseable: rejected below.
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new ConfigError(name, 'must be an http:// or https:// URL');
  }
  return value;
}

function isHostPort(address: string): boolean {
  const match = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(address);
  return match !== null && Number(match[1]) <= 65535;
}

/** A URL with its password (in the authority or a `password` parameter) hidden, safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

export { ConfigModule, VIGIL_CONFIG } from './config.module';
export { nestLogLevels } from './log-levels';
export {
  JsonNestLogger,
  VIGIL_LOGGER,
  createLogger,
  logContext,
  loggerFor,
  scrubSecrets,
  secretsOf,
  type CreateLoggerOptions,
  type LogContext,
  type Logger,
} from './logging';
