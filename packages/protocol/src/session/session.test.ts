import { beforeAll, describe, expect, test } from 'vitest';
import { utf8 } from '../encoding/bytes';
import { isProtocolError, type ProtocolErrorCode } from '../errors';
import { encodePrekeyBundle, decodePrekeyBundle } from '../identity/prekey-bundle';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { makeParty } from '../test-support/parties';
import type { Signature } from '../types';
import { ratchetDecrypt, ratchetEncrypt } from './ratchet';
import { decodeRatchetState, encodeRatchetState, type RatchetState } from './ratchet-state';
import { acceptSession, initiateSession, sessionDecryptStart, sessionEncrypt } from './pqxdh';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

function expectCode(fn: () => unknown, code: ProtocolErrorCode): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isProtocolError(caught), `expected ProtocolError ${code}, got ${String(caught)}`).toBe(
    true,
  );
  expect((caught as { code: string }).code).toBe(code);
}

function establish(options: { withOneTime?: boolean; withPqOneTime?: boolean } = {}) {
  const alice = makeParty(p, { accountId: 'alice' });
  const bob = makeParty(p, { accountId: 'bob' });
  const bundle = bob.bundle(options);
  let aliceState = initiateSession(p, {
    account: alice.pub,
    device: alice.device,
    remote: bob.pub,
    bundle,
  });
  const first = sessionEncrypt(p, aliceState, utf8('hello bob'));
  aliceState = first.state;
  const accepted = acceptSession(p, {
    account: bob.pub,
    device: bob.device,
    prekeys: bob.lookup,
    start: first.message,
  });
  bob.consume(accepted.consumed);
  return { alice, bob, aliceState, bobState: accepted.state, first, accepted };
}

describe('PQXDH session start', () => {
  test('both sides agree and talk in both directions; the start prefix stops after the first reply', () => {
    const { aliceState, bobState, first, accepted, alice } = establish();
    expect(first.kind).toBe('start');
    expect(new TextDecoder().decode(accepted.plaintext)).toBe('hello bob');
    expect(accepted.initiator.identityKey).toEqual(alice.device.identity.publicKey);
    expect(accepted.consumed.oneTimePrekeyId).toBe(100);
    expect(accepted.consumed.pqPrekeyId).toBe(200);

    const second = sessionEncrypt(p, aliceState, utf8('still a start'));
    expect(second.kind).toBe('start');
    const bob2 = sessionDecryptStart(p, bobState, second.message);
    expect(new TextDecoder().decode(bob2.plaintext)).toBe('still a start');

    const reply = sessionEncrypt(p, bob2.state, utf8('hi alice'));
    expect(reply.kind).toBe('message');
    const alice2 = ratchetDecrypt(p, second.state, reply.message);
    expect(new TextDecoder().decode(alice2.plaintext)).toBe('hi alice');
    expect(alice2.state.pendingStart).toBeNull();
    expect(sessionEncrypt(p, alice2.state, utf8('x')).kind).toBe('message');
  });

  test('works without a one-time prekey and with the last-resort ML-KEM prekey', () => {
    const { accepted } = establish({ withOneTime: false, withPqOneTime: false });
    expect(accepted.consumed).toEqual({ oneTimePrekeyId: null, pqPrekeyId: null });
  });

  test('a substituted signed prekey or ML-KEM prekey signature is refused', () => {
    const alice = makeParty(p, { accountId: 'alice' });
    const bob = makeParty(p, { accountId: 'bob' });
    const mallory = makeParty(p, { accountId: 'bob' });
    const bundle = bob.bundle();
    const forgedSigned = {
      ...bundle,
      signedPrekey: { ...bundle.signedPrekey, publicKey: mallory.signedPrekey.publicKey },
    };
    const forgedPq = { ...bundle, pqPrekey: mallory.lastResort };
    const flipped = new Uint8Array(bundle.pqPrekey.signature);
    flipped[5]! ^= 1;
    const flippedPq = {
      ...bundle,
      pqPrekey: { ...bundle.pqPrekey, signature: flipped as Signature },
    };
    for (const forged of [forgedSigned, forgedPq, flippedPq]) {
      expectCode(
        () =>
          initiateSession(p, {
            account: alice.pub,
            device: alice.device,
            remote: bob.pub,
            bundle: forged,
          }),
        'BAD_SIGNATURE',
      );
    }
    // A whole bundle from another account key (the relay substituting identities) is refused too.
    expectCode(
      () =>
        initiateSession(p, {
          account: alice.pub,
          device: alice.device,
          remote: bob.pub,
          bundle: mallory.bundle(),
        }),
      'UNTRUSTED_IDENTITY',
    );
  });

  test('bundle encoding round-trips and refuses wrong versions and truncation', () => {
    const bob = makeParty(p, { accountId: 'bob' });
    const encoded = encodePrekeyBundle(bob.bundle());
    expect(encodePrekeyBundle(decodePrekeyBundle(encoded))).toEqual(encoded);
    const wrongVersion = encoded.slice();
    wrongVersion[0] = 9;
    expectCode(() => decodePrekeyBundle(wrongVersion), 'UNKNOWN_VERSION');
    expectCode(() => decodePrekeyBundle(encoded.subarray(0, encoded.length - 3)), 'TRUNCATED');
  });

  test('a replayed session start is refused: MISSING_PREKEY once consumed, REPLAY on the live session', () => {
    const { bob, bobState, first } = establish();
    expectCode(
      () =>
        acceptSession(p, {
          account: bob.pub,
          device: bob.device,
          prekeys: bob.lookup,
          start: first.message,
        }),
      'MISSING_PREKEY',
    );
    expectCode(() => sessionDecryptStart(p, bobState, first.message), 'REPLAY');
  });

  test('a session start reflected to its own device is refused', () => {
    const alice = makeParty(p, { accountId: 'alice' });
    const bob = makeParty(p, { accountId: 'bob' });
    const state = initiateSession(p, {
      account: alice.pub,
      device: alice.device,
      remote: bob.pub,
      bundle: bob.bundle(),
    });
    const start = sessionEncrypt(p, state, utf8('x')).message;
    expectCode(
      () =>
        acceptSession(p, {
          account: alice.pub,
          device: alice.device,
          prekeys: alice.lookup,
          start,
        }),
      'REFLECTED',
    );
  });
});

describe('Double Ratchet refusals', () => {
  function talking(): { alice: RatchetState; bob: RatchetState } {
    const { bobState, aliceState } = establish();
    const reply = ratchetEncrypt(p, bobState, utf8('ack'));
    return { alice: ratchetDecrypt(p, aliceState, reply.message).state, bob: reply.state };
  }

  test('a ciphertext reflected back to its sender is refused', () => {
    const { alice } = talking();
    const sent = ratchetEncrypt(p, alice, utf8('to bob'));
    expectCode(() => ratchetDecrypt(p, sent.state, sent.message), 'REFLECTED');
  });

  test('a duplicate is refused with REPLAY', () => {
    const { alice, bob } = talking();
    const sent = ratchetEncrypt(p, alice, utf8('once'));
    const received = ratchetDecrypt(p, bob, sent.message);
    expectCode(() => ratchetDecrypt(p, received.state, sent.message), 'REPLAY');
  });

  test('skipping beyond MAX_SKIP is refused and the state still works', () => {
    const { alice, bob } = talking();
    let sender = alice;
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 1002; i++) {
      const out = ratchetEncrypt(p, sender, utf8(`m${i}`));
      sender = out.state;
      sent.push(out.message);
    }
    expectCode(() => ratchetDecrypt(p, bob, sent[1001]!), 'TOO_MANY_SKIPPED');
    // Exactly MAX_SKIP (1000) skipped keys is allowed.
    const ok = ratchetDecrypt(p, bob, sent[1000]!);
    expect(new TextDecoder().decode(ok.plaintext)).toBe('m1000');
    expect(ok.state.skipped.size).toBe(1000);
    expect(new TextDecoder().decode(ratchetDecrypt(p, ok.state, sent[3]!).plaintext)).toBe('m3');
  });

  test('at most 2000 skipped keys are stored, the oldest evicted first', () => {
    const { alice, bob } = talking();
    let sender = alice;
    let receiver = bob;
    const late: Uint8Array[] = [];
    // Three chains, each skipping 900 keys: 2700 skipped in total, 700 of them evicted.
    for (let round = 0; round < 3; round++) {
      const skippedHere: Uint8Array[] = [];
      for (let i = 0; i < 901; i++) {
        const out = ratchetEncrypt(p, sender, utf8(`r${round}m${i}`));
        sender = out.state;
        if (i < 900) skippedHere.push(out.message);
        else receiver = ratchetDecrypt(p, receiver, out.message).state;
      }
      late.push(...skippedHere);
      const answer = ratchetEncrypt(p, receiver, utf8('turn'));
      receiver = answer.state;
      sender = ratchetDecrypt(p, sender, answer.message).state;
    }
    expect(receiver.skipped.size).toBe(2000);
    expect(() => ratchetDecrypt(p, receiver, late[0]!)).toThrow();
    expect(
      new TextDecoder().decode(ratchetDecrypt(p, receiver, late[late.length - 1]!).plaintext),
    ).toBe('r2m899');
  });

  test('wrong version and truncated messages are refused with their codes', () => {
    const { alice, bob } = talking();
    const sent = ratchetEncrypt(p, alice, utf8('x')).message;
    const wrongVersion = sent.slice();
    wrongVersion[0] = 2;
    expectCode(() => ratchetDecrypt(p, bob, wrongVersion), 'UNKNOWN_VERSION');
    expectCode(() => ratchetDecrypt(p, bob, sent.subarray(0, 20)), 'TRUNCATED');
    expectCode(() => ratchetDecrypt(p, bob, sent.subarray(0, 41 + 10)), 'TRUNCATED');
    expectCode(() => ratchetDecrypt(p, bob, new Uint8Array(0)), 'TRUNCATED');
  });

  test('the state encoding round-trips exactly, including skipped keys and the pending start', () => {
    const { aliceState } = establish();
    const encoded = encodeRatchetState(aliceState);
    expect(encodeRatchetState(decodeRatchetState(encoded))).toEqual(encoded);
    expect(decodeRatchetState(encoded).pendingStart).not.toBeNull();
    const wrong = encoded.slice();
    wrong[0] = 7;
    expectCode(() => decodeRatchetState(wrong), 'UNKNOWN_VERSION');
    expectCode(() => decodeRatchetState(encoded.subarray(0, 100)), 'TRUNCATED');
  });
});
