// Figure 3, transport: the real relay (auth, persistence, acks, fan-out; its own process) beside a
// bare `ws` broadcast server written for this bench (no auth, no disk: the physical limit), driven
// by the same load generator in this process over 127.0.0.1:
//   - fan-out of one body to every connected device, 256 B and 4 KiB bodies: capacity
//     (messages fully delivered per second) and p50/p99 latency at half the relay's capacity;
//   - resident memory per idle authenticated socket;
//   - a reconnect storm: devices with QUEUED envelopes each connect at once and drain.
// Three processes share two cores here, so the load generator's own work is in both figures; the
// ratios are what to read.

import type { Figure, Section, SectionReport } from '../report';
import { FanOutRun } from '../transport/fan-out';
import {
  idleMemoryPerSocket,
  QUEUED,
  queueForStorm,
  reconnectStorm,
  type StormResult,
} from '../transport/idle-and-storm';
import { resentRequests } from '../transport/submit-over-http';
import {
  startBareServer,
  startRelayServer,
  type TransportServer,
} from '../transport/transport-servers';

interface Scale {
  readonly fanOutDevices: number;
  readonly idleSockets: number;
  readonly stormDevices: number;
  readonly durationMs: number;
  /**
   * Closed-loop sending before the capacity phase, not counted, for each server and body size
   * alike: the first seconds ran at two thirds of the later rate (the relay's JIT and the load
   * generator's own, which was still cold for the relay's run and warm for the bare server's, as
   * the relay goes first). Capacity is what a server that has been running does.
   */
  readonly warmUpMs: number;
  /**
   * The latency phase: long enough for a p99 to rest on some 80 messages (80,000 deliveries) at
   * the 4 KiB rate, not on the one or two slowest of 30.
   */
  readonly latencyMs: number;
}

const FULL: Scale = {
  fanOutDevices: 1000,
  idleSockets: 10_000,
  stormDevices: 2000,
  durationMs: 4000,
  warmUpMs: 2000,
  latencyMs: 10_000,
};
const QUICK: Scale = {
  fanOutDevices: 200,
  idleSockets: 1000,
  stormDevices: 400,
  durationMs: 1500,
  warmUpMs: 300,
  latencyMs: 1500,
};
const BODY_SIZES = [256, 4096] as const;
const KIB = 1024;

interface FanOutFigures {
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly messages: number;
}

async function fanOut(
  server: TransportServer,
  scale: Scale,
  bytes: number,
  latencyRate: (own: number) => number,
): Promise<FanOutFigures> {
  const run = await FanOutRun.open(server, scale.fanOutDevices, bytes);
  try {
    // Every warm-up message is tracked too: checkComplete counts its deliveries with the rest.
    await run.saturation(scale.warmUpMs);
    const saturation = await run.saturation(scale.durationMs);
    const latency = await run.latencyAt(latencyRate(saturation.messagesPerSecond), scale.latencyMs);
    run.checkComplete();
    return {
      rate: saturation.messagesPerSecond,
      p50Ms: latency.p50Ms,
      p99Ms: latency.p99Ms,
      messages: saturation.messages + latency.messages,
    };
  } finally {
    await run.close();
  }
}

async function withServer<T>(
  start: () => Promise<TransportServer>,
  work: (server: TransportServer) => Promise<T>,
): Promise<T> {
  const server = await start();
  try {
    return await work(server);
  } finally {
    await server.dispose();
  }
}

function sizeLabel(bytes: number): string {
  return bytes >= KIB ? `${String(bytes / KIB)} KiB` : `${String(bytes)} B`;
}

export const transportSection: Section = {
  name: 'transport',
  async run({ quick }): Promise<SectionReport> {
    const scale = quick ? QUICK : FULL;
    resentRequests.count = 0;
    const devices = Math.max(scale.idleSockets, scale.fanOutDevices + scale.stormDevices);

    // The relay first: its capacity sets the rate both servers' latency is measured at.
    const relay = await withServer(
      () => startRelayServer(devices),
      async (server) => {
        const idle = await idleMemoryPerSocket(server, scale.idleSockets);
        const fan: FanOutFigures[] = [];
        for (const bytes of BODY_SIZES)
          fan.push(await fanOut(server, scale, bytes, (own) => own / 2));
        // Storm devices are past the fan-out ones, so nothing else waits in their mailboxes.
        await queueForStorm(server, scale.fanOutDevices, scale.stormDevices, 256);
        const storm = await reconnectStorm(server, scale.fanOutDevices, scale.stormDevices);
        return { idle, fan, storm };
      },
    );
    const bare = await withServer(
      () => startBareServer(),
      async (server) => {
        const idle = await idleMemoryPerSocket(server, scale.idleSockets);
        const fan: FanOutFigures[] = [];
        for (const [i, bytes] of BODY_SIZES.entries()) {
          fan.push(await fanOut(server, scale, bytes, () => relay.fan[i]!.rate / 2));
        }
        return { idle, fan };
      },
    );
    const bareStorm = await withServer(
      () => startBareServer({ queued: QUEUED, queuedBytes: 256 }),
      (server) => reconnectStorm(server, 0, scale.stormDevices),
    );

    const figures: Figure[] = [];
    for (const [i, bytes] of BODY_SIZES.entries()) {
      const ours = relay.fan[i]!;
      const base = bare.fan[i]!;
      const label = sizeLabel(bytes);
      figures.push({
        name: `fan-out to ${String(scale.fanOutDevices)} devices, ${label}: messages delivered/s`,
        ours: { value: ours.rate, unit: 'msg/s' },
        baseline: { name: 'bare ws broadcast', value: base.rate, unit: 'msg/s' },
        target: { on: 'ratio', atLeast: 0.5 },
        detail: { messages: ours.messages, deliveries: ours.messages * scale.fanOutDevices },
      });
      figures.push({
        name: `fan-out ${label}: p99 latency at half the relay's capacity`,
        ours: { value: ours.p99Ms, unit: 'ms' },
        baseline: { name: 'bare ws at the same rate', value: base.p99Ms, unit: 'ms' },
        target: { on: 'ours', atMost: 100 },
        detail: { p50Ms: ours.p50Ms, bareP50Ms: base.p50Ms, rate: ours.rate / 2 },
      });
    }
    figures.push({
      name: `memory per idle authenticated socket (${String(scale.idleSockets)} sockets)`,
      ours: { value: relay.idle / KIB, unit: 'KiB' },
      baseline: { name: 'bare ws socket', value: bare.idle / KIB, unit: 'KiB' },
      target: { on: 'ratio', atMost: 2 },
    });
    figures.push(stormFigure(scale, relay.storm, bareStorm));
    return {
      section: 'transport',
      title: 'Transport: relay vs a bare ws broadcast server',
      figures,
      notes: [
        'Relay, bare server and load generator are three processes on the same two cores; sockets and senders come from many 127.x source addresses so per-address rate limits see many people.',
        ...(quick
          ? ['--quick: a fifth of the devices and shorter runs; the targets are for the full run.']
          : []),
        ...(resentRequests.count > 0
          ? [
              `${String(resentRequests.count)} submission(s) sent again after the server closed an idle keep-alive connection as it was reused (same clientId; the wait is in the latency).`,
            ]
          : []),
      ],
    };
  },
};

function stormFigure(scale: Scale, ours: StormResult, bare: StormResult): Figure {
  for (const [name, result] of [
    ['relay', ours],
    ['bare ws', bare],
  ] as const) {
    if (result.lost > 0 || result.duplicates > 0) {
      throw new Error(
        `${name} storm: ${String(result.lost)} lost, ${String(result.duplicates)} duplicated`,
      );
    }
  }
  return {
    name: `reconnect storm: ${String(scale.stormDevices)} devices × ${String(QUEUED)} queued, drained in`,
    ours: { value: ours.drainMs / 1000, unit: 's' },
    baseline: { name: 'bare ws (queue in memory)', value: bare.drainMs / 1000, unit: 's' },
    target: { on: 'ours', atMost: 10 },
    detail: {
      envelopes: scale.stormDevices * QUEUED,
      lost: ours.lost,
      duplicates: ours.duplicates,
    },
  };
}
