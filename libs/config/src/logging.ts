import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel, VigilConfig } from './index';

export type { Logger } from 'pino';

/** Injection token of the process's JSON logger. */
export const VIGIL_LOGGER = Symbol('VIGIL_LOGGER');

/** What every log line written while handling one request carries. */
export interface LogContext {
  readonly requestId: string;
}

/** The request being handled; its id is added to every line logged on its behalf. */
export const logContext = new AsyncLocalStorage<LogContext>();

const REDACTED = '[redacted]';

/**
 * Shapes of secrets, wherever they appear in a line: API keys keep their public id, bearer
 * tokens, Standard Webhooks secrets, Slack webhook paths, passwords in URLs, and the value
 * of any `authorization` field.
 */
const SECRET_SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/\bvgl_([A-Za-z0-9]{1,64})_[A-Za-z0-9_-]+/g, `vgl_$1_${REDACTED}`],
  [/\bvgl_[A-Za-z0-9]{16,}/g, `vgl_${REDACTED}`],
  [/\b(Bearer|Basic)\s+[^\s"'\\,;]+/gi, `$1 ${REDACTED}`],
  [/\bwhsec_[A-Za-z0-9+/=]+/g, `whsec_${REDACTED}`],
  [/(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[^\s"'\\<>]+/gi, `$1${REDACTED}`],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s"'\\<>]*):[^@/\s"'\\<>]*@/gi, '$1:***@'],
  [/("(?:proxy-)?authorization"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, `$1"${REDACTED}"`],
];

/** Secret values shorter than this are not searched for; they would match ordinary words. */
const MIN_SECRET_LENGTH = 8;

/**
 * Removes secrets from a serialised log line: the known secret values of this process
 * (as written and as JSON escapes them), then anything shaped like a secret.
 */
export function scrubSecrets(line: string, secrets: readonly string[] = []): string {
  let out = line;
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
      out = out.split(form).join(REDACTED);
    }
  }
  for (const [shape, replacement] of SECRET_SHAPES) out = out.replace(shape, replacement);
  return out;
}

/** The secret values a process holds: its admin key, webhook secrets and URLs, passwords. */
export function secretsOf(config: VigilConfig): string[] {
  const secrets: Array<string | null> = [
    config.auth.adminKey,
    config.webhooks.remediation.secret,
    config.webhooks.notify.secret,
    config.webhooks.slackUrl,
  ];
  for (const url of [
    config.database.type === 'postgres' ? config.database.url : null,
    config.webhooks.remediation.url,
    config.webhooks.notify.url,
  ]) {
    if (url === null) continue;
    try {
      const parsed = new URL(url);
      secrets.push(decodeURIComponent(parsed.password) || null, parsed.password || null);
      for (const [key, value] of parsed.searchParams) {
        if (/pass|secret|token|key|sig/i.test(key)) secrets.push(value);
      }
    } catch {
      // An unparseable URL was refused when the configuration was loaded.
    }
  }
  return [...new Set(secrets.filter((s): s is string => s !== null && s.length > 0))];
}

/** A destination that writes each line with its secrets removed. */
export function scrubbingDestination(
  target: DestinationStream,
  secrets: readonly string[],
): DestinationStream {
  return { write: (line: string) => target.write(scrubSecrets(line, secrets)) };
}

export interface CreateLoggerOptions {
  readonly level: LogLevel;
  /** Secret values to remove from every line, besides the shapes of secrets. */
  readonly secrets?: readonly string[];
  /** Where lines go; standard output by default. */
  readonly destination?: DestinationStream;
  /** Fields on every line, e.g. `{ process: 'api' }`. */
  readonly base?: Record<string, unknown>;
}

/**
 * A JSON-lines logger: ISO time, level as a word, the request id of the request being
 * handled (if any), and no secrets.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level: options.level,
      base: options.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const context = logContext.getStore();
        return context ? { requestId: context.requestId } : {};
      },
      redact: {
        paths: ['authorization', '*.authorization', '*.headers.authorization', 'headers.cookie'],
        censor: REDACTED,
      },
    },
    scrubbingDestination(destination, options.secrets ?? []),
  );
}

/** The process's logger as the configuration describes it. */
export function loggerFor(config: VigilConfig, processName: string): Logger {
  return createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    base: { process: processName },
  });
}

type NestLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

/** Nest's logger interface on top of the JSON logger: Nest's context becomes `context`. */
export class JsonNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: NestLevel, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    // Nest passes (message, context) or, for errors, (message, stack, context).
    const rest = [...params];
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string'
        ? (rest.pop() as string)
        : undefined;
    const stack = rest.find((p): p is string => typeof p === 'string' && p.length > 0);
    const fields: Record<string, unknown> = context ? { context } : {};
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.logger[level](stack ? { ...fields, stack } : fields, String(message));
    }
  }
}
