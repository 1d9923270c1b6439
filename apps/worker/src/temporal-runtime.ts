import {
  DefaultLogger,
  Runtime,
  type LogEntry,
  type LogLevel as SdkLogLevel,
} from '@temporalio/worker';
import type { LogLevel, Logger } from '@vigil/config';

const SDK_LEVEL: Record<LogLevel, SdkLogLevel> = {
  error: 'ERROR',
  warn: 'WARN',
  info: 'WARN',
  debug: 'DEBUG',
};

const LINE_LEVEL: Record<string, 'error' | 'warn' | 'info' | 'debug'> = {
  ERROR: 'error',
  WARN: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
  TRACE: 'debug',
};

/**
 * The SDK logs through the worker's JSON logger at Vigil's level (its metadata — workflow
 * and activity ids — as fields), and leaves signals to Nest: the shutdown hooks stop the
 * worker, so the SDK's own signal handlers are off. At `info` the SDK's routine state
 * changes and bundler statistics stay out of the log.
 */
export function installTemporalRuntime(level: LogLevel, logger: Logger): void {
  const sdk = logger.child({ context: 'temporal' });
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(SDK_LEVEL[level], (entry: LogEntry) => {
      sdk[LINE_LEVEL[entry.level] ?? 'info']({ ...(entry.meta ?? {}) }, entry.message);
    }),
  });
}
