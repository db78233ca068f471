// Figure 2, relay store: the relay's mailbox repository (createMailbox, the code behind
// POST /api/v1/messages and the acks) on a real SQLite file with the relay's pragmas, beside raw
// prepared better-sqlite3 statements doing the same writes. Two figures:
//   - one envelope's life, submit then ack, one at a time: what our layer costs per write;
//   - durable envelopes/s with many senders at once: what group commit (several submissions per
//     fsync'd transaction, each sender answered after its commit) buys.
// HTTP, auth and fan-out are figure 3's business (transport); this is the store alone.

import { randomBytes } from 'node:crypto';
import { createMailbox, type MailboxService } from '@veil/relay/src/mailbox/create-mailbox';
import { pairedRatioAsync } from '../paired-ratio';
import type { Figure, Section, SectionReport } from '../report';
import { openMailboxFixture, type MailboxFixture } from '../relay-store/mailbox-fixture';
import { rawMailbox, type RawSubmission } from '../relay-store/raw-mailbox';

const TTL_MS = 30 * 24 * 3600 * 1000;
const ACCOUNTS = 50;
/** Sealed 1:1 envelopes are padded to buckets; 1 KiB is a short text message. */
const BODY = randomBytes(1024);
const BODY_B64 = BODY.toString('base64url');

async function ourMailbox(fixture: MailboxFixture): Promise<MailboxService> {
  // publish is the notifier's job (sockets); the store's figure leaves it out.
  return createMailbox(fixture.opened, { envelopeTtlMs: TTL_MS, publish: () => undefined });
}

function clientId(): string {
  return randomBytes(16).toString('base64url');
}

let counter = 0;
function rawSubmission(fixture: MailboxFixture): RawSubmission {
  ++counter;
  // Random like the relay's keys (SHA-256 of a client's random id): a counter would append every
  // row at the end of the submissions and envelopes indexes, a cheaper B-tree workload than the
  // one the relay has to do.
  const clientIdHash = randomBytes(32);
  return { clientIdHash, body: BODY, username: fixture.usernames[counter % ACCOUNTS]! };
}

/** Submit then ack, one envelope at a time, ours and raw in alternating batches. */
async function writePath(quick: boolean): Promise<Figure> {
  const oursFixture = await openMailboxFixture({ accounts: ACCOUNTS });
  const rawFixture = await openMailboxFixture({ accounts: ACCOUNTS });
  try {
    const mailbox = await ourMailbox(oursFixture);
    const raw = rawMailbox(rawFixture, TTL_MS);
    let turn = 0;
    // Each device's sequence starts at 1 and every envelope is acknowledged at once, so the
    // sequence to ack is the number sent to that device so far.
    const sent = new Array<number>(ACCOUNTS).fill(0);
    const ours = async () => {
      const index = ++turn % ACCOUNTS;
      const username = oursFixture.usernames[index]!;
      await mailbox.submit({
        clientId: clientId(),
        envelopes: [{ body: BODY_B64, to: [{ username, deviceId: 1 }] }],
      });
      const device = { accountId: oursFixture.accountIds[index]!, deviceId: 1 };
      if ((await mailbox.ack(device, ++sent[index]!)) !== 1) throw new Error('ack deleted nothing');
    };
    const baseline = async () => {
      const submission = rawSubmission(rawFixture);
      const seq = raw.submit(submission);
      if (raw.ack(rawFixture.accountIds[counter % ACCOUNTS]!, seq) !== 1)
        throw new Error('raw ack deleted nothing');
    };
    const rounds = quick ? 5 : 15;
    const batch = quick ? 10 : 25;
    const paired = await pairedRatioAsync({ ours, baseline, rounds, batch });
    return {
      name: 'submit + ack one 1 KiB envelope (2 fsyncs)',
      ours: { value: 1000 / paired.oursMs, unit: 'ops/s' },
      baseline: {
        value: 1000 / paired.baselineMs,
        unit: 'ops/s',
        name: 'the same SQL as better-sqlite3 statements prepared once (raw-mailbox.ts)',
      },
      ratio: 1 / paired.ratio,
      target: { on: 'ratio', atLeast: 0.7 },
      detail: { rounds, batch },
    };
  } finally {
    await oursFixture.dispose();
    await rawFixture.dispose();
  }
}

/**
 * Concurrent senders for the durable target. A closed loop cannot do better than senders divided
 * by the time a submission waits for its commit (Little's law): with 128 in flight and a 128-wide
 * commit taking 15–20 ms here, 6,000–8,500 env/s is the most any store could show, whatever its
 * speed. A relay carrying 10,000 env/s has that many submissions in flight because it carries
 * them: at ~25 ms each, 250 or more at any moment. 512 keeps a full batch (MAX_BATCH, 256) waiting
 * while the previous one commits; 128 is kept beside it, without a target, to show the difference.
 */
const DURABLE_SENDERS = [128, 512] as const;
const DURABLE_TARGET_SENDERS = 512;

/**
 * Closed loop: `senders` submissions in flight at all times; counts acknowledged ones. Ours and the
 * raw limit run in alternating slices so drifting machine load lands on both sides alike.
 */
async function durableThroughput(quick: boolean, senders: number): Promise<Figure> {
  const slices = quick ? 2 : 6;
  const sliceMs = 500;
  const oursFixture = await openMailboxFixture({ accounts: ACCOUNTS });
  const rawFixture = await openMailboxFixture({ accounts: ACCOUNTS });
  try {
    const mailbox = await ourMailbox(oursFixture);
    const raw = rawMailbox(rawFixture, TTL_MS);
    let turn = 0;
    const totals = { ours: { count: 0, ms: 0 }, raw: { count: 0, ms: 0 } };
    const oursSlice = async () => {
      const started = performance.now();
      const deadline = started + sliceMs;
      const sender = async () => {
        while (performance.now() < deadline) {
          const username = oursFixture.usernames[++turn % ACCOUNTS]!;
          await mailbox.submit({
            clientId: clientId(),
            envelopes: [{ body: BODY_B64, to: [{ username, deviceId: 1 }] }],
          });
          totals.ours.count++;
        }
      };
      await Promise.all(Array.from({ length: senders }, sender));
      totals.ours.ms += performance.now() - started;
    };
    // The limit: the same writes, `senders` to a transaction, back to back.
    const rawSlice = () => {
      const started = performance.now();
      while (performance.now() - started < sliceMs) {
        raw.submitMany(Array.from({ length: senders }, () => rawSubmission(rawFixture)));
        totals.raw.count += senders;
      }
      totals.raw.ms += performance.now() - started;
    };
    for (let slice = 0; slice < slices; slice++) {
      if (slice % 2 === 0) {
        await oursSlice();
        rawSlice();
      } else {
        rawSlice();
        await oursSlice();
      }
    }
    const rate = (side: { count: number; ms: number }) => side.count / (side.ms / 1000);
    return {
      name: `durable envelopes/s, ${senders} concurrent senders`,
      ours: { value: rate(totals.ours), unit: 'env/s' },
      baseline: {
        value: rate(totals.raw),
        unit: 'env/s',
        name: `raw prepared statements, ${senders} submissions per fsync'd transaction`,
      },
      ...(senders === DURABLE_TARGET_SENDERS ? { target: { on: 'ours', atLeast: 10_000 } } : {}),
      detail: { senders, slices, sliceMs, acknowledged: totals.ours.count },
    };
  } finally {
    await oursFixture.dispose();
    await rawFixture.dispose();
  }
}

async function runRelayStore(options: { quick: boolean }): Promise<SectionReport> {
  const figures = [await writePath(options.quick)];
  for (const senders of DURABLE_SENDERS)
    figures.push(await durableThroughput(options.quick, senders));
  return {
    section: 'relay-store',
    title: 'Figure 2: relay store (mailbox repository on SQLite)',
    figures,
    environment: {
      node: process.version,
      sqlite: 'WAL, synchronous=FULL, secure_delete=ON (the relay pragmas)',
    },
  };
}

export const relayStoreSection: Section = { name: 'relay-store', run: runRelayStore };
