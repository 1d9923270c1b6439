/**
 * The load generator of `bench:authorize`, in its own process so that the API's process
 * measures only the API: `POST /v1/authorize` at a steady rate, as many agent runtimes
 * calling independently would (open loop: a call is sent when it is due, whether or not
 * earlier ones were answered), over keep-alive connections (one call in flight on each,
 * more opened while all are busy), each call a fresh draw from the call mix.
 *
 * A call's latency runs from when its request was written to when its answer was read, as
 * autocannon measures it; since calls never wait for earlier answers, a stalled API shows
 * in every call in flight. The generator's own lateness (a timer fires every millisecond
 * at best) is reported apart, and the latency from when each call was due (both added).
 * Prints JSON: calls, achieved rate, errors and latency percentiles in milliseconds (all
 * calls, allowed and denied apart).
 *
 *   node authorize-load.js <url> <rate per second> <seconds> <seed>   (key in VIGIL_BENCH_KEY)
 */
import * as net from 'node:net';
import { callStream } from './authorize-mix';

/** Connections opened up front; more open while every one has a call in flight. */
const CONNECTIONS = 16;
const MAX_CONNECTIONS = 256;
const TICK_MS = 1;
const HEADER_END = Buffer.from('\r\n\r\n');

interface Outcome {
  readonly latencies: Float64Array;
  readonly allowLatencies: number[];
  readonly denyLatencies: number[];
  /** How late each call left the generator (its own lateness, part of every latency). */
  readonly sendLags: Float64Array;
  /** From when each call was due: the latency plus the generator's lateness in sending it. */
  readonly fromDue: Float64Array;
  readonly completed: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly elapsedMs: number;
}

/**
 * One keep-alive HTTP/1.1 connection with one call in flight at a time; responses are read
 * by their Content-Length (the API always sends one).
 */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private dueAt = 0;
  private sentAt = 0;
  busy = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly done: (
      connection: Connection,
      dueAt: number,
      sentAt: number,
      status: number,
      decision: string | null,
    ) => void,
    failed: (connection: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    // A connection the API closed (idle too long) or that failed: its call, if any, failed.
    socket.on('error', () => undefined);
    socket.on('close', () => failed(this));
  }

  send(request: Buffer, dueAt: number): void {
    this.busy = true;
    this.dueAt = dueAt;
    this.sentAt = performance.now();
    this.socket.write(request);
  }

  close(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const end = this.buffered.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buffered.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffered.length < end + 4 + length) return;
    const body = this.buffered.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffered = this.buffered.subarray(end + 4 + length);
    this.busy = false;
    const decision = /"decision":"(allow|deny)"/.exec(body)?.[1] ?? null;
    this.done(this, this.dueAt, this.sentAt, Number(head.slice(9, 12)), decision);
  }
}

async function run(url: URL, rate: number, seconds: number, seed: number): Promise<Outcome> {
  const next = callStream(seed);
  const authorization = `Bearer ${process.env.VIGIL_BENCH_KEY ?? ''}`;
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const allowLatencies: number[] = [];
  const denyLatencies: number[] = [];
  const sendLags = new Float64Array(total);
  const fromDue = new Float64Array(total);
  const idle: Connection[] = [];
  const all: Connection[] = [];
  let sent = 0;
  let completed = 0;
  let non2xx = 0;
  let errors = 0;
  const start = performance.now();
  const request = () => {
    const body = JSON.stringify(next());
    return Buffer.from(
      `POST /v1/authorize HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
        `Authorization: ${authorization}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };
  return new Promise((resolve) => {
    const finish = () => {
      if (completed + errors < total) return;
      clearInterval(timer);
      for (const connection of all.splice(0)) connection.close();
      resolve({
        latencies: latencies.subarray(0, completed),
        allowLatencies,
        denyLatencies,
        sendLags: sendLags.subarray(0, sent),
        fromDue: fromDue.subarray(0, completed),
        completed,
        non2xx,
        errors,
        elapsedMs: performance.now() - start,
      });
    };
    const done = (
      connection: Connection,
      dueAt: number,
      sentAt: number,
      status: number,
      decision: string | null,
    ) => {
      const now = performance.now();
      const latency = now - sentAt;
      latencies[completed] = latency;
      fromDue[completed] = now - dueAt;
      if (decision === 'allow') allowLatencies.push(latency);
      else if (decision === 'deny') denyLatencies.push(latency);
      completed += 1;
      if (status < 200 || status >= 300) non2xx += 1;
      idle.push(connection);
      finish();
    };
    const failed = (connection: Connection) => {
      const known = all.indexOf(connection);
      if (known < 0) return;
      all.splice(known, 1);
      if (connection.busy) errors += 1;
      const at = idle.indexOf(connection);
      if (at >= 0) idle.splice(at, 1);
      finish();
    };
    const open = () => {
      const connection = new Connection(net.connect(Number(url.port), url.hostname), done, failed);
      all.push(connection);
      return connection;
    };
    for (let i = 0; i < CONNECTIONS; i += 1) idle.push(open());
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1_000));
      while (sent < due) {
        const connection = idle.pop() ?? (all.length < MAX_CONNECTIONS ? open() : null);
        if (!connection) break;
        const dueAt = start + (sent * 1_000) / rate;
        connection.send(request(), dueAt);
        sendLags[sent] = performance.now() - dueAt;
        sent += 1;
      }
    }, TICK_MS);
  });
}

function percentiles(samples: Float64Array) {
  const sorted = samples.slice().sort();
  const at = (q: number) =>
    sorted.length === 0
      ? null
      : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]! * 100) / 100;
  return { samples: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

async function main(): Promise<void> {
  const [url, rate, seconds, seed] = process.argv.slice(2);
  const outcome = await run(new URL(url!), Number(rate), Number(seconds), Number(seed));
  process.stdout.write(
    JSON.stringify({
      calls: outcome.completed,
      achievedPerSecond: Math.round((outcome.completed / outcome.elapsedMs) * 1_000 * 100) / 100,
      non2xx: outcome.non2xx,
      errors: outcome.errors,
      latencyMs: percentiles(outcome.latencies),
      allowLatencyMs: percentiles(Float64Array.from(outcome.allowLatencies)),
      denyLatencyMs: percentiles(Float64Array.from(outcome.denyLatencies)),
      generatorSendLagMs: percentiles(outcome.sendLags),
      latencyFromDueMs: percentiles(outcome.fromDue),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
