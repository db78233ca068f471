// Benchmarks of @veil/protocol in Node: session start, the 1:1 message path (encrypt + seal, open
// + decrypt, 1 KiB) beside the bare libsodium calls it performs, group encryption and vault unlock.
// The protocol functions are pure, so each task runs them on a fixed state without committing the
// result: every iteration does exactly the work of the next real message.

import {
  acceptSession,
  initiateSession,
  loadPrimitives,
  loadSodium,
  openEnvelope,
  ratchetDecrypt,
  ratchetEncrypt,
  sealEnvelope,
  SEALED_OVERHEAD,
  bucketFor,
  encodeEnvelopePayload,
  sessionEncrypt,
  createOwnSenderKey,
  createVaultKey,
  groupEncrypt,
  sealForMany,
  unwrapVaultKeyWithPassword,
  VAULT_ARGON2ID_DEFAULT,
  wrapVaultKeyWithPassword,
  type Primitives,
  type RatchetState,
} from '@veil/protocol';
import { makeParty } from '@veil/protocol/test-support';
import { Bench } from 'tinybench';
import {
  bareEncryptAndSeal,
  bareOpenAndDecrypt,
  bareSealedFixture,
  type BareFixture,
} from './bare-libsodium';
import { pairedRatio } from './paired-ratio';
import type { Figure, Row, SuiteReport } from './report';

const KIB = new Uint8Array(1024).fill(0x61);

function pairedSessions(p: Primitives) {
  const alice = makeParty(p, { accountId: 'alice' });
  const bob = makeParty(p, { accountId: 'bob' });
  const start = sessionEncrypt(
    p,
    initiateSession(p, {
      account: alice.pub,
      device: alice.device,
      remote: bob.pub,
      bundle: bob.bundle(),
    }),
    KIB,
  );
  const accepted = acceptSession(p, {
    account: bob.pub,
    device: bob.device,
    prekeys: bob.lookup,
    start: start.message,
  });
  const reply = ratchetEncrypt(p, accepted.state, KIB);
  const aliceState: RatchetState = ratchetDecrypt(p, start.state, reply.message).state;
  return { alice, bob, aliceState, bobState: reply.state };
}

export async function runProtocolSuite(options: { time: number }): Promise<SuiteReport> {
  const p = await loadPrimitives();
  const sodium = await loadSodium();
  const { alice, bob, aliceState, bobState } = pairedSessions(p);

  // Fixtures for the open path. Alice's first message after Bob spoke carries a new ratchet key
  // (Bob performs a DH step on it); her second continues the chain, the common case.
  const seal = (body: Uint8Array): Uint8Array =>
    sealEnvelope(p, {
      recipient: bob.device.identity.publicKey,
      payload: { kind: 'message', certificate: alice.certificate, body },
    });
  const first = ratchetEncrypt(p, aliceState, KIB);
  const sealedWithStep = seal(first.message);
  const bobInChain = ratchetDecrypt(p, bobState, first.message).state;
  const outgoing = ratchetEncrypt(p, first.state, KIB);
  const sealed = seal(outgoing.message);
  const payloadLength = encodeEnvelopePayload({
    kind: 'message',
    certificate: alice.certificate,
    body: outgoing.message,
  }).length;
  const bare: BareFixture = {
    chainKey: p.randomBytes(32),
    plaintext: KIB,
    paddedLength: bucketFor(payloadLength, SEALED_OVERHEAD) - SEALED_OVERHEAD,
    recipientPublic: bob.device.identity.publicKey,
    recipientSecret: bob.device.identity.secretKey,
  };
  const bareSealed = bareSealedFixture(sodium, bare);
  const startBundle = bob.bundle({ withOneTime: false, withPqOneTime: false });

  // Group fan-out: one sender-key encryption and signature, then one multi-recipient seal whose
  // cost grows with the number of member devices (one X25519 and one 48-byte key record each).
  const groupKey = createOwnSenderKey(p, {
    groupId: p.randomBytes(16),
    epoch: 1,
    sender: { accountId: 'alice', deviceId: 1 },
  });
  const memberKeys = Array.from({ length: 100 }, () => p.x25519KeyPair().publicKey);
  const groupSend = (members: number) => () => {
    const { message } = groupEncrypt(p, groupKey, KIB);
    sealForMany(p, {
      recipients: memberKeys.slice(0, members),
      payload: { kind: 'group', certificate: alice.certificate, body: message },
    });
  };

  const tasks = {
    seal: () => {
      seal(ratchetEncrypt(p, aliceState, KIB).message);
    },
    open: () => {
      const payload = openEnvelope(p, { identity: bob.device.identity, sealed });
      ratchetDecrypt(p, bobInChain, payload.body);
    },
  };

  const bench = new Bench({
    name: 'protocol',
    time: options.time,
    warmupTime: Math.min(200, options.time / 4),
  });
  bench
    .add('session start: PQXDH both sides + first message', () => {
      const start = sessionEncrypt(
        p,
        initiateSession(p, {
          account: alice.pub,
          device: alice.device,
          remote: bob.pub,
          bundle: startBundle,
        }),
        KIB,
      );
      acceptSession(p, {
        account: bob.pub,
        device: bob.device,
        prekeys: bob.lookup,
        start: start.message,
      });
    })
    .add('1:1 encrypt + seal, 1 KiB', tasks.seal)
    .add('bare libsodium: encrypt + seal, 1 KiB', () => {
      bareEncryptAndSeal(sodium, bare);
    })
    .add('1:1 open + decrypt, 1 KiB', tasks.open)
    .add('bare libsodium: open + decrypt, 1 KiB', () => {
      bareOpenAndDecrypt(sodium, bare, bareSealed);
    })
    .add('group encrypt + seal, 1 KiB, 10 members', groupSend(10))
    .add('group encrypt + seal, 1 KiB, 100 members', groupSend(100))
    .add('1:1 open + decrypt, 1 KiB, with a DH ratchet step', () => {
      const payload = openEnvelope(p, { identity: bob.device.identity, sealed: sealedWithStep });
      ratchetDecrypt(p, bobState, payload.body);
    });

  await bench.run();

  // Vault unlock is ~0.3 s by design (Argon2id), so it gets a few fixed iterations of its own.
  const vaultKey = createVaultKey(p);
  const wrapped = wrapVaultKeyWithPassword(p, {
    vaultKey,
    password: 'correct horse battery staple',
  });
  const slow = new Bench({
    name: 'vault',
    iterations: options.time >= 1000 ? 8 : 3,
    time: 0,
    warmup: false,
  });
  slow.add(
    `vault unlock: Argon2id ops ${VAULT_ARGON2ID_DEFAULT.opsLimit}, ${VAULT_ARGON2ID_DEFAULT.memLimit / 2 ** 20} MiB`,
    () => {
      unwrapVaultKeyWithPassword(p, { wrapped, password: 'correct horse battery staple' });
    },
  );
  await slow.run();

  const rows: Row[] = [];
  const median = new Map<string, number>();
  for (const task of [...bench.tasks, ...slow.tasks]) {
    const result = task.result;
    if (result.state !== 'completed')
      throw new Error(`bench task ${task.name} did not complete: ${result.state}`);
    median.set(task.name, result.latency.p50);
    rows.push({
      name: task.name,
      opsPerSecond: 1000 / result.latency.mean,
      medianMs: result.latency.p50,
      p99Ms: result.latency.p99,
      samples: result.latency.samplesCount,
    });
  }
  const sealRatio = pairedRatio({
    ours: tasks.seal,
    baseline: () => bareEncryptAndSeal(sodium, bare),
  }).ratio;
  const openRatio = pairedRatio({
    ours: tasks.open,
    baseline: () => bareOpenAndDecrypt(sodium, bare, bareSealed),
  }).ratio;
  const openMedian = median.get('1:1 open + decrypt, 1 KiB')!;
  const figures: Figure[] = [
    // Ratios come from alternating batches (paired-ratio.ts), not from the table's separate runs.
    {
      name: 'encrypt + seal vs bare libsodium',
      value: sealRatio,
      unit: 'x',
      target: '≤ 1.15x',
      met: sealRatio <= 1.15,
    },
    {
      name: 'open + decrypt vs bare libsodium',
      value: openRatio,
      unit: 'x',
      target: '≤ 1.15x',
      met: openRatio <= 1.15,
    },
    {
      name: 'open + decrypt 1 KiB, median',
      value: openMedian,
      unit: 'ms',
      target: '≤ 0.3 ms',
      met: openMedian <= 0.3,
    },
  ];
  return {
    suite: 'protocol',
    environment: {
      node: process.version,
      libsodium: p.sodiumVersion,
      platform: `${process.platform}-${process.arch}`,
    },
    rows,
    figures,
  };
}
