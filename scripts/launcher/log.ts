import type { LogLevel } from '@vigil/config';

/** Who a line of output comes from: the launcher itself or one of its children. */
export type Source = 'start' | 'temporal' | 'api' | 'worker';

const SOURCES: readonly Source[] = ['start', 'temporal', 'api', 'worker'];
const TAG_WIDTH = Math.max(...SOURCES.map((source) => source.length)) + 2;
const ANSI_COLOR: Record<Source, number> = { start: 32, temporal: 35, api: 36, worker: 33 };
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Colours only on a terminal, and never when NO_COLOR asks for plain output. */
export const colorEnabled = process.stdout.isTTY === true && !process.env.NO_COLOR;

let threshold: LogLevel = 'info';

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export function tag(source: Source): string {
  const text = `[${source}]`;
  const padding = ' '.repeat(TAG_WIDTH - text.length);
  return (colorEnabled ? `\x1b[${ANSI_COLOR[source]}m${text}\x1b[0m` : text) + padding;
}

export function printLine(source: Source, line: string, stream: 'stdout' | 'stderr'): void {
  process[stream].write(`${tag(source)} ${line}\n`);
}

function write(level: LogLevel, message: string): void {
  if (RANK[level] > RANK[threshold]) return;
  for (const line of message.split('\n')) {
    printLine('start', line, level === 'error' || level === 'warn' ? 'stderr' : 'stdout');
  }
}

export const log = {
  error: (message: string) => write('error', message),
  warn: (message: string) => write('warn', message),
  info: (message: string) => write('info', message),
  debug: (message: string) => write('debug', message),
  /** Printed whatever LOG_LEVEL says: the launcher's one result. */
  always: (message: string) => message.split('\n').forEach((l) => printLine('start', l, 'stdout')),
};

export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return RANK[threshold] >= RANK.debug ? (error.stack ?? error.message) : error.message;
}

/** The last lines a child printed, to show again when it fails to come up. */
export class Tail {
  private readonly kept: string[] = [];

  constructor(private readonly capacity = 40) {}

  push(line: string): void {
    this.kept.push(line);
    if (this.kept.length > this.capacity) this.kept.shift();
  }

  lines(): readonly string[] {
    return this.kept;
  }
}
