/**
 * The API for bench/ingest-soak.ts, in a process of its own so that its memory is measured
 * apart from the load generator's. Started with `fork`, the configuration as JSON in argv;
 * tells the parent its URL, then answers each `sample` message with its memory usage.
 */
import type { VigilConfig } from '@vigil/config';
import { startApi } from '../test/support/api';

/** One reading of the API process's memory, in bytes. */
export interface MemorySample {
  readonly atMs: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
}

export type SoakApiMessage =
  | { readonly type: 'listening'; readonly url: string }
  | { readonly type: 'memory'; readonly sample: MemorySample };

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]!) as VigilConfig;
  const app = await startApi(config);
  await app.listen(0, '127.0.0.1');
  const url = `${await app.getUrl()}`.replace('[::1]', '127.0.0.1');
  const send = (message: SoakApiMessage) => process.send?.(message);
  send({ type: 'listening', url });
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'sample') {
      const m = process.memoryUsage();
      send({
        type: 'memory',
        sample: {
          atMs: Date.now(),
          rss: m.rss,
          heapUsed: m.heapUsed,
          heapTotal: m.heapTotal,
          external: m.external,
        },
      });
    } else if (message.type === 'stop') {
      void app.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
