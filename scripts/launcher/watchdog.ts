import * as readline from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { log } from './log';
import { groupAlive, signalGroup } from './process-group';

/**
 * Stops the launcher's children when the launcher dies without stopping them, e.g. killed
 * with SIGKILL. Node cannot ask the kernel to signal children when their parent dies (Linux's
 * PR_SET_PDEATHSIG is not exposed), so this process, in a session of its own, watches its
 * stdin: the launcher holds the only write end, and the kernel closes it however the launcher
 * ends. Only a SIGKILL of this watchdog as well leaves the children behind.
 *
 * The launcher sends one JSON message per line.
 */
export interface WatchedGroup {
  readonly pid: number;
  readonly name: string;
  /** Groups stop in ascending order, as in a normal shutdown. */
  readonly order: number;
  readonly graceMs: number;
}

export type WatchdogMessage = { watch: WatchedGroup } | { unwatch: number } | { release: true };

const POLL_MS = 100;

function main(): void {
  const watched = new Map<number, WatchedGroup>();
  let released = false;
  readline
    .createInterface({ input: process.stdin, crlfDelay: Infinity })
    .on('line', (line) => {
      const message = JSON.parse(line) as WatchdogMessage;
      if ('watch' in message) watched.set(message.watch.pid, message.watch);
      else if ('unwatch' in message) watched.delete(message.unwatch);
      else released = true;
    })
    .on('close', () => {
      if (!released && watched.size > 0) void stopOrphans([...watched.values()]);
    });
}

async function stopOrphans(groups: readonly WatchedGroup[]): Promise<void> {
  log.warn(`launcher is gone; stopping ${groups.map((g) => g.name).join(', ')}`);
  const orders = [...new Set(groups.map((g) => g.order))].sort((a, b) => a - b);
  for (const order of orders) {
    await Promise.all(groups.filter((g) => g.order === order).map(stopGroup));
  }
}

async function stopGroup(group: WatchedGroup): Promise<void> {
  signalGroup(group.pid, 'SIGTERM');
  const deadline = Date.now() + group.graceMs;
  while (groupAlive(group.pid) && Date.now() < deadline) await delay(POLL_MS);
  signalGroup(group.pid, 'SIGKILL');
}

if (require.main === module) main();
