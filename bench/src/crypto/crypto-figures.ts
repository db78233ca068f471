// Figure 1's measurements, free of Node and of the DOM so the same code runs in Node (sections/crypto.ts)
// and in headless Chromium (sections/crypto-browser.ts): the 1:1 message path (encrypt + seal, open +
// decrypt, 1 KiB) beside the bare libsodium calls it performs, plus what people feel without a
// baseline to hold it to: session start, group fan-out and vault unlock at the chosen Argon2id
// limits. The protocol functions are pure, so each task runs them on a fixed state without
// committing the result: every iteration does exactly the work of the next real message.

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
} from '@veil/protocol';
import { Bench } from 'tinybench';
import {
  bareEncryptAndSeal,
  bareOpenAndDecrypt,
  bareSealedFixture,
  type BareFixture,
} from '../bare-libsodium';
import { pairedRatio } from '../paired-ratio';
import { pairedSessions } from './paired-sessions';
import type { Figure } from '../report';

const KIB = new Uint8Array(1024).fill(0x61);

export interface CryptoFigures {
  readonly figures: readonly Figure[];
  readonly libsodium: string;
  readonly notes: readonly string[];
}

export async function measureCrypto(options: { quick: boolean }): Promise<CryptoFigures> {
  const time = options.quick ? 200 : 1500;
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
    bareSeal: () => {
      bareEncryptAndSeal(sodium, bare);
    },
    open: () => {
      const payload = openEnvelope(p, { identity: bob.device.identity, sealed });
      ratchetDecrypt(p, bobInChain, payload.body);
    },
    bareOpen: () => {
      bareOpenAndDecrypt(sodium, bare, bareSealed);
    },
  };

  const bench = new Bench({ name: 'crypto', time, warmupTime: Math.min(200, time / 4) });
  bench
    .add('session start', () => {
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
    .add('seal', tasks.seal)
    .add('bare seal', tasks.bareSeal)
    .add('open', tasks.open)
    .add('bare open', tasks.bareOpen)
    .add('group 10', groupSend(10))
    .add('group 100', groupSend(100))
    .add('open with DH step', () => {
      const payload = openEnvelope(p, { identity: bob.device.identity, sealed: sealedWithStep });
      ratchetDecrypt(p, bobState, payload.body);
    });
  await bench.run();
  const median = (name: string): number => {
    const result = bench.getTask(name)?.result;
    if (result?.state !== 'completed') throw new Error(`bench task ${name} did not complete`);
    return result.latency.p50;
  };

  // Vault unlock is ~0.25 s by design (Argon2id), so it gets a few timed runs of its own.
  const vaultKey = createVaultKey(p);
  const password = 'correct horse battery staple';
  const wrapped = wrapVaultKeyWithPassword(p, { vaultKey, password });
  const unlocks: number[] = [];
  for (let i = 0; i < (options.quick ? 3 : 8); i++) {
    const started = performance.now();
    unwrapVaultKeyWithPassword(p, { wrapped, password });
    unlocks.push(performance.now() - started);
  }
  unlocks.sort((x, y) => x - y);

  // Ratios come from alternating batches (paired-ratio.ts), not from the two separate runs above.
  const sealPair = pairedRatio({ ours: tasks.seal, baseline: tasks.bareSeal });
  const openPair = pairedRatio({ ours: tasks.open, baseline: tasks.bareOpen });
  const bareName = 'the same libsodium calls on prepared buffers (bare-libsodium.ts)';
  const ms = (value: number) => ({ value, unit: 'ms' });
  const figures: Figure[] = [
    {
      name: 'encrypt + seal, 1 KiB',
      ours: ms(sealPair.oursMs),
      baseline: { ...ms(sealPair.baselineMs), name: bareName },
      ratio: sealPair.ratio,
      target: { on: 'ratio', atMost: 1.15 },
    },
    {
      name: 'open + decrypt, 1 KiB',
      ours: ms(openPair.oursMs),
      baseline: { ...ms(openPair.baselineMs), name: bareName },
      ratio: openPair.ratio,
      target: { on: 'ratio', atMost: 1.15 },
    },
    {
      name: 'open + decrypt, 1 KiB, median',
      ours: ms(median('open')),
      target: { on: 'ours', atMost: 0.3 },
    },
    {
      name: 'open + decrypt, 1 KiB, with a DH ratchet step',
      ours: ms(median('open with DH step')),
    },
    { name: 'session start: PQXDH both sides + first message', ours: ms(median('session start')) },
    { name: 'group encrypt + seal, 1 KiB, 10 members', ours: ms(median('group 10')) },
    { name: 'group encrypt + seal, 1 KiB, 100 members', ours: ms(median('group 100')) },
    {
      name: `vault unlock: Argon2id ops ${VAULT_ARGON2ID_DEFAULT.opsLimit}, ${
        VAULT_ARGON2ID_DEFAULT.memLimit / 2 ** 20
      } MiB`,
      ours: ms(unlocks[unlocks.length >> 1]!),
      detail: { runs: unlocks.length },
    },
  ];
  return {
    figures,
    libsodium: p.sodiumVersion,
    notes: [
      'Ratio rows: medians of per-round ratios over 41 alternating batches of 40 (paired-ratio.ts); ' +
        'the ours/baseline columns are the median batch means. The median row is tinybench p50.',
    ],
  };
}
