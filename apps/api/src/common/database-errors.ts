/** Socket errors: the database server cannot be reached, or the connection to it broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs that say the server cannot take the request now: connection
 * exceptions (class 08), shutting down or starting up (57P01-57P03), too many connections
 * (53300), and a statement cancelled by the statement timeout (57014).
 */
const POSTGRES_UNAVAILABLE = /^(08...|57P0[123]|53300|57014)$/;

/**
 * SQLite result codes that say the file cannot be used now: another connection holds the
 * lock for longer than the busy timeout, the file cannot be opened, the disk failed or is full.
 */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL)(_|$)/;

/** node-postgres reports a lost or timed-out connection by message only. */
const POSTGRES_CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /is not queryable$/,
];

/**
 * True when `error` (or what it wraps: TypeORM's `driverError`, an error's `cause`) says the
 * database is unreachable or cannot serve the request now, so the request may be retried;
 * false for errors of the request itself (constraint violations, bad SQL), which are not.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return databaseUnavailableCause(error) !== undefined;
}

/** The driver's own error behind a database-unavailable error, for the log. */
export function databaseUnavailableCause(error: unknown): ErrorLike | undefined {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0 && seen.size < 10) {
    const current = pending.shift();
    if (!isErrorLike(current) || seen.has(current)) continue;
    seen.add(current);
    if (unavailable(current)) return current;
    pending.push(current.driverError, current.cause);
  }
  return undefined;
}

interface ErrorLike {
  readonly message: string;
  readonly code?: unknown;
  readonly errors?: unknown;
  readonly driverError?: unknown;
  readonly cause?: unknown;
}

/**
 * Duck-typed rather than `instanceof Error`: socket errors are made by Node's own code,
 * whose Error is not the application's where the two run in different realms (a VM context).
 */
function isErrorLike(value: unknown): value is ErrorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

function unavailable(error: ErrorLike): boolean {
  const { code, errors } = error;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SQLITE_UNAVAILABLE.test(code)) return true;
    if (POSTGRES_UNAVAILABLE.test(code)) return true;
  }
  // AggregateError: every address of the host refused.
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.every((e) => isErrorLike(e) && unavailable(e));
  }
  return POSTGRES_CONNECTION_MESSAGES.some((pattern) => pattern.test(error.message));
}
