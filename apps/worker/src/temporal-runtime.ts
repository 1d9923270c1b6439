import { Logger } from '@nestjs/common';
import {
  DefaultLogger,
  Runtime,
  type LogEntry,
  type LogLevel as SdkLogLevel,
} from '@temporalio/worker';
import type { LogLevel } from '@vigil/config';

const SDK_LEVEL: Record<LogLevel, SdkLogLevel> = {
  error: 'ERROR',
  warn: 'WARN',
  info: 'WARN',
  debug: 'DEBUG',
};

/**
 * The SDK logs through Nest's logger at Vigil's level, and leaves signals to Nest: the
 * shutdown hooks stop the worker, so the SDK's own signal handlers are off. At `info` the
 * SDK's routine state changes and bundler statistics stay out of the log.
 */
export function installTemporalRuntime(level: LogLevel): void {
  const logger = new Logger('temporal');
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(SDK_LEVEL[level], (entry: LogEntry) => {
      const meta =
        entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta)}` : '';
      const line = `${entry.message}${meta}`;
      if (entry.level === 'ERROR') logger.error(line);
      else if (entry.level === 'WARN') logger.warn(line);
      else logger.debug(line);
    }),
  });
}
