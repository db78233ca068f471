// Group send to 50 members (DESIGN.md §4): what the sender's device does for one group message —
// one sender-key encryption and signature, one multi-recipient seal (an X25519 and a 48-byte key
// record per member device) — beside what the same text would cost sent the 1:1 way to the same 50
// devices (a ratchet step and a sealed envelope each). Bytes uploaded are reported too: the group
// path uploads one body plus the key records, the 1:1 path 50 bodies. The upload's network time is
// figure 3's business (relay fan-out); here it is the client's encrypt + upload payload.

import {
  createOwnSenderKey,
  groupEncrypt,
  loadPrimitives,
  ratchetEncrypt,
  sealEnvelope,
  sealForMany,
} from '@veil/protocol';
import { Bench } from 'tinybench';
import { pairedSessions } from '../crypto/paired-sessions';
import type { Figure, Section, SectionReport } from '../report';

const MEMBERS = 50;
const TEXT = new Uint8Array(256).fill(0x61);

async function runGroup(options: { quick: boolean }): Promise<SectionReport> {
  const p = await loadPrimitives();
  const { alice, aliceState: state } = pairedSessions(p);
  const devices = Array.from({ length: MEMBERS }, () => p.x25519KeyPair().publicKey);
  const senderKey = createOwnSenderKey(p, {
    groupId: p.randomBytes(16),
    epoch: 1,
    sender: { accountId: 'alice', deviceId: 1 },
  });

  // Pure functions on fixed states: every iteration does exactly the work of the next real message.
  const group = (): number => {
    const { message } = groupEncrypt(p, senderKey, TEXT);
    const sealed = sealForMany(p, {
      recipients: devices,
      payload: { kind: 'group', certificate: alice.certificate, body: message },
    });
    return sealed.body.length + sealed.keyRecords.reduce((n, r) => n + r.length, 0);
  };
  const direct = (): number => {
    let bytes = 0;
    for (const recipient of devices) {
      bytes += sealEnvelope(p, {
        recipient,
        payload: {
          kind: 'message',
          certificate: alice.certificate,
          body: ratchetEncrypt(p, state, TEXT).message,
        },
      }).length;
    }
    return bytes;
  };
  const groupBytes = group();
  const directBytes = direct();

  const bench = new Bench({ time: options.quick ? 300 : 2000 });
  bench.add('group', () => void group()).add('direct', () => void direct());
  await bench.run();
  const median = (name: string): number => {
    const task = bench.getTask(name);
    const latency = task?.result && 'latency' in task.result ? task.result.latency : undefined;
    if (latency?.p50 === undefined) throw new Error(`bench task ${name} has no result`);
    return latency.p50;
  };

  const figures: Figure[] = [
    {
      name: `group send to ${MEMBERS} member devices: encrypt + seal, 256 B`,
      ours: { value: median('group'), unit: 'ms' },
      baseline: {
        name: `1:1 path to the same ${MEMBERS} devices`,
        value: median('direct'),
        unit: 'ms',
      },
      target: { on: 'ratio', atMost: 1 },
    },
    {
      name: `group send to ${MEMBERS} member devices: bytes uploaded`,
      ours: { value: groupBytes / 1024, unit: 'KiB' },
      baseline: {
        name: `1:1 path to the same ${MEMBERS} devices`,
        value: directBytes / 1024,
        unit: 'KiB',
      },
      target: { on: 'ratio', atMost: 0.2 },
    },
  ];
  return {
    section: 'group',
    title: 'Group send (@veil/protocol in Node)',
    figures,
    notes: [
      'Medians (tinybench p50). The group path uploads one padded body plus a 48-byte key record per device; ' +
        'its upload and fan-out time at the relay is figure 3.',
    ],
  };
}

export const groupSection: Section = { name: 'group', run: runGroup };
