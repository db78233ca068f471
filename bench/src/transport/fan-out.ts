// Fan-out: one body for many connected devices (a large group's message), measured two ways on a
// server with `devices` clients connected:
//   - saturation: SENDERS senders each submit a message and wait until every device has it, then
//     the next; messages fully delivered per second is the server's fan-out capacity;
//   - latency: messages at a fixed rate (half of the relay's saturation), not waiting; each
//     delivery's time from the start of its submission.
// Every (device, message) pair is counted, so a lost or doubled delivery fails the run.

import { closeClients, connectClients, loadBody, type Delivery } from './load-clients';
import type { TransportServer } from './transport-servers';

const SENDERS = 8;
const DRAIN_TIMEOUT_MS = 30_000;

interface Tracked {
  readonly startedAt: number;
  readonly seen: Uint8Array;
  count: number;
  readonly done: Promise<void>;
  resolve(): void;
}

export interface FanOutResult {
  readonly messagesPerSecond: number;
  readonly deliveriesPerSecond: number;
  readonly messages: number;
}

export interface LatencyResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly messages: number;
  readonly rate: number;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export class FanOutRun {
  private readonly tracked = new Map<number, Tracked>();
  private nextMessage = 1;
  private latencies: number[] = [];
  duplicates = 0;
  private recipients: string[];

  private constructor(
    private readonly server: TransportServer,
    private readonly devices: number,
    private readonly bytes: number,
    private clients: Awaited<ReturnType<typeof connectClients>> = [],
  ) {
    this.recipients = Array.from({ length: devices }, (_, i) => server.username(i));
  }

  static async open(server: TransportServer, devices: number, bytes: number): Promise<FanOutRun> {
    const run = new FanOutRun(server, devices, bytes);
    run.clients = await connectClients(server.target, devices, (delivery) =>
      run.onDelivery(delivery),
    );
    return run;
  }

  private onDelivery(delivery: Delivery): void {
    const tracked = this.tracked.get(delivery.message);
    if (tracked === undefined) return;
    if (tracked.seen[delivery.client] === 1) {
      this.duplicates += 1;
      return;
    }
    tracked.seen[delivery.client] = 1;
    tracked.count += 1;
    this.latencies.push(delivery.at - tracked.startedAt);
    if (tracked.count === this.devices) tracked.resolve();
  }

  /** Submits one message; the returned promise settles when every device has it. */
  private send(): Promise<void> {
    const message = this.nextMessage++;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    this.tracked.set(message, {
      startedAt: performance.now(),
      seen: new Uint8Array(this.devices),
      count: 0,
      done,
      resolve,
    });
    const submitted = this.server.submit(loadBody(message, this.bytes), this.recipients);
    return Promise.all([submitted, done]).then(() => undefined);
  }

  async saturation(durationMs: number): Promise<FanOutResult> {
    const deadline = performance.now() + durationMs;
    const began = performance.now();
    let completed = 0;
    const sender = async () => {
      while (performance.now() < deadline) {
        await this.send();
        completed += 1;
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    const seconds = (performance.now() - began) / 1000;
    this.latencies = [];
    return {
      messagesPerSecond: completed / seconds,
      deliveriesPerSecond: (completed * this.devices) / seconds,
      messages: completed,
    };
  }

  async latencyAt(rate: number, durationMs: number): Promise<LatencyResult> {
    this.latencies = [];
    const pending: Promise<void>[] = [];
    const intervalMs = 1000 / rate;
    const began = performance.now();
    for (let i = 0; performance.now() - began < durationMs; i++) {
      const due = began + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      pending.push(this.send());
    }
    await withTimeout(Promise.all(pending), DRAIN_TIMEOUT_MS, 'latency run did not drain');
    const sorted = Float64Array.from(this.latencies).sort();
    return {
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      messages: pending.length,
      rate,
    };
  }

  /** Every message sent reached every device exactly once. */
  checkComplete(): void {
    for (const [message, tracked] of this.tracked) {
      if (tracked.count !== this.devices) {
        throw new Error(
          `${this.server.name}: message ${String(message)} reached ${String(tracked.count)} of ${String(this.devices)} devices`,
        );
      }
    }
    if (this.duplicates > 0) {
      throw new Error(`${this.server.name}: ${String(this.duplicates)} duplicate deliveries`);
    }
  }

  close(): Promise<void> {
    return closeClients(this.clients);
  }
}

export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${String(ms)} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
