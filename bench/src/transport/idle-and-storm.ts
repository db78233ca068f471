// Idle sockets and the reconnect storm.
//   - idle: the server's resident memory before and after `count` authenticated, ready, silent
//     sockets, per socket, each reading after a full garbage collection in the server: without
//     one, whatever garbage the burst of connections left came into the figure, and the relay's
//     read anywhere from 8.5 to 12.6 KiB per socket from run to run;
//   - storm: `devices` devices each with QUEUED envelopes waiting (submitted while they were
//     away) all connect at once; the time until every one has all of them, and whether any was
//     lost or doubled.

import { setTimeout as sleep } from 'node:timers/promises';
import { closeClients, connectClients, loadBody } from './load-clients';
import { withTimeout } from './fan-out';
import { residentBytes, type TransportServer } from './transport-servers';

export const QUEUED = 50;
const SETTLE_MS = 1000;
const RECIPIENTS_PER_SUBMIT = 1000;
const STORM_TIMEOUT_MS = 60_000;

export async function idleMemoryPerSocket(server: TransportServer, count: number): Promise<number> {
  await sleep(SETTLE_MS);
  await server.collectGarbage();
  const before = residentBytes(server.pid);
  const clients = await connectClients(server.target, count, () => undefined);
  await sleep(SETTLE_MS);
  await server.collectGarbage();
  const after = residentBytes(server.pid);
  await closeClients(clients);
  return (after - before) / count;
}

/** Queues QUEUED envelopes for devices [first, first + devices) through the server's submit path. */
export async function queueForStorm(
  server: TransportServer,
  first: number,
  devices: number,
  bytes: number,
): Promise<void> {
  const usernames = Array.from({ length: devices }, (_, i) => server.username(first + i));
  for (let message = 1; message <= QUEUED; message++) {
    for (let start = 0; start < devices; start += RECIPIENTS_PER_SUBMIT) {
      await server.submit(
        loadBody(message, bytes),
        usernames.slice(start, start + RECIPIENTS_PER_SUBMIT),
      );
    }
  }
}

export interface StormResult {
  readonly drainMs: number;
  readonly lost: number;
  readonly duplicates: number;
}

/** Devices [first, first + devices) connect at once and drain what waits for them. */
export async function reconnectStorm(
  server: TransportServer,
  first: number,
  devices: number,
): Promise<StormResult> {
  const seen = new Uint8Array(devices * (QUEUED + 1));
  let delivered = 0;
  let duplicates = 0;
  let resolveDrained!: () => void;
  const drained = new Promise<void>((resolve) => (resolveDrained = resolve));
  const target = {
    url: (i: number) => server.target.url(first + i),
    headers: (i: number) => server.target.headers(first + i),
  };
  const began = performance.now();
  const clients = await connectClients(target, devices, ({ client, message }) => {
    const slot = client * (QUEUED + 1) + message;
    if (message > QUEUED || seen[slot] === 1) {
      duplicates += 1;
      return;
    }
    seen[slot] = 1;
    delivered += 1;
    if (delivered === devices * QUEUED) resolveDrained();
  });
  await withTimeout(drained, STORM_TIMEOUT_MS, 'the storm did not drain').catch(() => undefined);
  const drainMs = performance.now() - began;
  await closeClients(clients);
  return { drainMs, lost: devices * QUEUED - delivered, duplicates };
}
