import { Client, Connection } from '@temporalio/client';

export interface TemporalClientSettings {
  readonly address: string;
  readonly namespace: string;
}

/**
 * A client whose connection is opened on first use, so a process can start (and report
 * itself not ready) while Temporal is still down, and reconnects by itself afterwards.
 */
export function createLazyClient(settings: TemporalClientSettings): Client {
  const connection = Connection.lazy({ address: settings.address, connectTimeout: '5 seconds' });
  return new Client({ connection, namespace: settings.namespace });
}

/** Default deadline for one call from the API to Temporal. */
export const TEMPORAL_CALL_TIMEOUT_MS = 10_000;

/** Runs `fn` with a deadline on every Temporal call it makes. */
export function withTimeout<T>(
  client: Client,
  fn: () => Promise<T>,
  timeoutMs: number = TEMPORAL_CALL_TIMEOUT_MS,
): Promise<T> {
  return client.withDeadline(Date.now() + timeoutMs, fn);
}
