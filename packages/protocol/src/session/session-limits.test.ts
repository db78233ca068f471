// The session edges that mutation testing (pnpm test:mutation) found unpinned: exact limits, which
// refusal code each attack earns, what the associated data binds, what a stored state keeps, and
// that every error names the function that refused.

import { beforeAll, describe, expect, test } from 'vitest';
import { LIMITS } from '../constants';
import { concatBytes, utf8 } from '../encoding/bytes';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import { makeParty, startedSession, talkingSession } from '../test-support/parties';
import { acceptSession, initiateSession, sessionDecryptStart, sessionEncrypt } from './pqxdh';
import { ratchetDecrypt, ratchetEncrypt } from './ratchet';
import { encodeRatchetHeader } from './ratchet-message';
import {
  decodeRatchetState,
  encodeRatchetState,
  PAST_RATCHET_KEYS,
  type RatchetState,
} from './ratchet-state';
import { sessionRecordDecrypt } from './session-record-cipher';
import { decodeSessionRecord, encodeSessionRecord } from './session-record';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/**
 * Alice started, Bob accepted and answered, Alice read the answer: both have both chains.
 * talkingSession under the short names the tests below destructure (`alice`, `bob` as states).
 */
function talking() {
  const { alice, bob, start, aliceState, bobState } = talkingSession(p, utf8('hello'), utf8('ack'));
  return { parties: { alice, bob }, start, alice: aliceState, bob: bobState };
}

function send(state: RatchetState, body: string) {
  return ratchetEncrypt(p, state, utf8(body));
}

describe('ratchet limits', () => {
  test('a plaintext of exactly the maximum size is sent, one byte more is TOO_LARGE', () => {
    const { alice, bob } = talking();
    const max = new Uint8Array(LIMITS.maxMessageBytes).fill(1);
    const sent = ratchetEncrypt(p, alice, max);
    expect(ratchetDecrypt(p, bob, sent.message).plaintext).toEqual(max);
    const error = expectProtocolError(
      () => ratchetEncrypt(p, alice, new Uint8Array(LIMITS.maxMessageBytes + 1)),
      'TOO_LARGE',
    );
    expect(error.message).toMatch(/^ratchetEncrypt:/);
  });

  test('an empty plaintext (a bare tag) round-trips; fewer bytes than a tag are TRUNCATED', () => {
    const { alice, bob } = talking();
    const sent = send(alice, '');
    expect(ratchetDecrypt(p, bob, sent.message).plaintext).toHaveLength(0);
    const error = expectProtocolError(
      () => ratchetDecrypt(p, bob, sent.message.subarray(0, sent.message.length - 1)),
      'TRUNCATED',
    );
    expect(error.message).toMatch(/^decodeRatchetMessage:/);
    expect(
      expectProtocolError(() => ratchetDecrypt(p, bob, sent.message.subarray(0, 3)), 'TRUNCATED')
        .message,
    ).toMatch(/^decodeRatchetMessage:/);
  });

  test('a state without a sending chain refuses to encrypt with INVALID_ARGUMENT', () => {
    const { alice } = talking();
    const error = expectProtocolError(
      () => ratchetEncrypt(p, { ...alice, sending: null }, utf8('x')),
      'INVALID_ARGUMENT',
    );
    expect(error.message).toMatch(/^ratchetEncrypt:/);
  });

  test('the skip refusal names the limit', () => {
    const { alice, bob } = talking();
    const far = ratchetEncrypt(
      p,
      { ...alice, sending: { ...alice.sending!, index: LIMITS.maxSkip + 1 } },
      utf8('x'),
    );
    const error = expectProtocolError(
      () => ratchetDecrypt(p, bob, far.message),
      'TOO_MANY_SKIPPED',
    );
    expect(error.message).toBe(`ratchetDecrypt: message skips more than ${LIMITS.maxSkip} keys`);
  });
});

describe('ratchet refusals across chains', () => {
  test('a message from an earlier chain of the peer, replayed after a DH step, is REPLAY', () => {
    let { alice, bob } = talking();
    const old = send(alice, 'chain one');
    alice = old.state;
    bob = ratchetDecrypt(p, bob, old.message).state;
    const answer = send(bob, 'turn');
    alice = ratchetDecrypt(p, alice, answer.message).state;
    const fresh = send(alice, 'chain two');
    bob = ratchetDecrypt(p, answer.state, fresh.message).state;
    const error = expectProtocolError(() => ratchetDecrypt(p, bob, old.message), 'REPLAY');
    expect(error.message).toMatch(/^ratchetDecrypt: message from a finished chain/);
  });

  test('a message from an earlier own chain reflected back is REFLECTED, not a decryption failure', () => {
    let { alice, bob } = talking();
    const mine = send(alice, 'mine');
    alice = mine.state;
    bob = ratchetDecrypt(p, bob, mine.message).state;
    const answer = send(bob, 'turn');
    // Alice's DH step moves her to a new ratchet key; the old one is only in her memory now.
    alice = ratchetDecrypt(p, alice, answer.message).state;
    const error = expectProtocolError(() => ratchetDecrypt(p, alice, mine.message), 'REFLECTED');
    expect(error.message).toMatch(/^ratchetDecrypt:/);
  });

  test('a message delayed past the peer’s DH step still opens from the finished chain', () => {
    let { alice, bob } = talking();
    const m0 = send(alice, 'm0');
    const m1 = send(m0.state, 'm1, delayed');
    alice = m1.state;
    bob = ratchetDecrypt(p, bob, m0.message).state;
    const answer = send(bob, 'turn');
    alice = ratchetDecrypt(p, alice, answer.message).state;
    // Alice's next chain announces PN = 2: Bob must keep m1's key while he steps to it.
    const next = send(alice, 'next chain');
    bob = ratchetDecrypt(p, answer.state, next.message).state;
    const opened = ratchetDecrypt(p, bob, m1.message);
    expect(text(opened.plaintext)).toBe('m1, delayed');
    // The state a skipped-key decryption returns is whole: the key is gone, the chain goes on.
    expectProtocolError(() => ratchetDecrypt(p, opened.state, m1.message), 'REPLAY');
    const more = send(next.state, 'more');
    expect(text(ratchetDecrypt(p, opened.state, more.message).plaintext)).toBe('more');
  });

  test(`each side remembers its last ${PAST_RATCHET_KEYS} ratchet keys, and the state still encodes`, () => {
    let { alice, bob } = talking();
    for (let round = 0; round < PAST_RATCHET_KEYS + 3; round++) {
      const a = send(alice, `a${round}`);
      bob = ratchetDecrypt(p, bob, a.message).state;
      const b = send(bob, `b${round}`);
      bob = b.state;
      alice = ratchetDecrypt(p, a.state, b.message).state;
    }
    expect(alice.pastOwnRatchetKeys).toHaveLength(PAST_RATCHET_KEYS);
    expect(alice.pastRemoteRatchetKeys).toHaveLength(PAST_RATCHET_KEYS);
    expect(decodeRatchetState(encodeRatchetState(alice))).toEqual(alice);
  });

  test('the associated data binds both identities: a receiver that expects another sender refuses', () => {
    const { alice, bob, parties } = talking();
    const sent = send(alice, 'bound');
    const stranger = makeParty(p, { accountId: 'mallory' });
    for (const remote of [
      { ...bob.remote, accountKey: stranger.pub.accountKey },
      { ...bob.remote, identityKey: stranger.device.identity.publicKey },
    ]) {
      expectProtocolError(
        () => ratchetDecrypt(p, { ...bob, remote }, sent.message),
        'DECRYPT_FAILED',
      );
    }
    const local = { ...bob.local, accountKey: parties.alice.pub.accountKey };
    expectProtocolError(() => ratchetDecrypt(p, { ...bob, local }, sent.message), 'DECRYPT_FAILED');
  });

  test('a message forged with the responder’s signed prekey as ratchet key fails as a forgery', () => {
    // Before the first reply, the initiator knows that public key but has no chain on it.
    const alice = makeParty(p, { accountId: 'alice' });
    const bob = makeParty(p, { accountId: 'bob' });
    const bundle = bob.bundle();
    const state = initiateSession(p, {
      account: alice.pub,
      device: alice.device,
      remote: bob.pub,
      bundle,
    });
    for (const index of [0, 5]) {
      const header = encodeRatchetHeader({
        ratchetKey: bundle.signedPrekey.publicKey,
        previousChainLength: 0,
        index,
      });
      const forged = concatBytes(header, new Uint8Array(40));
      expectProtocolError(() => ratchetDecrypt(p, state, forged), 'DECRYPT_FAILED');
    }
  });
});

describe('ratchet state encoding', () => {
  test('a state stored mid-conversation, with skipped keys, comes back equal and goes on talking', () => {
    let { alice, bob } = talking();
    const skippedMessages: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      const out = send(alice, `m${i}`);
      alice = out.state;
      skippedMessages.push(out.message);
    }
    const last = send(alice, 'last');
    bob = ratchetDecrypt(p, bob, last.message).state;
    expect(bob.skipped.size).toBe(10);
    const restored = decodeRatchetState(encodeRatchetState(bob));
    expect(restored).toEqual(bob);
    expect(restored.pendingStart).toBeNull();
    expect(text(ratchetDecrypt(p, restored, skippedMessages[4]!).plaintext)).toBe('m4');
    const reply = send(restored, 'from a restored state');
    expect(text(ratchetDecrypt(p, last.state, reply.message).plaintext)).toBe(
      'from a restored state',
    );
  });

  test('flags other than 0 or 1 and too many past keys are MALFORMED, naming the decoder', () => {
    const { alice } = talking();
    const encoded = encodeRatchetState(alice);
    // version | 4 identity keys | root | ratchet pair: the remote-ratchet flag is byte 225.
    const flag = encoded.slice();
    flag[225] = 2;
    const error = expectProtocolError(() => decodeRatchetState(flag), 'MALFORMED');
    expect(error.message).toMatch(/^decodeRatchetState:/);
    expect(
      expectProtocolError(() => decodeRatchetState(encoded.subarray(0, 50)), 'TRUNCATED').message,
    ).toMatch(/^decodeRatchetState:/);

    const tooMany = {
      ...alice,
      pastOwnRatchetKeys: Array.from({ length: PAST_RATCHET_KEYS + 1 }, () => new Uint8Array(32)),
    };
    expectProtocolError(() => decodeRatchetState(encodeRatchetState(tooMany)), 'MALFORMED');
    const full = { ...alice, pastOwnRatchetKeys: tooMany.pastOwnRatchetKeys.slice(1) };
    expect(decodeRatchetState(encodeRatchetState(full)).pastOwnRatchetKeys).toHaveLength(
      PAST_RATCHET_KEYS,
    );
  });
});

describe('session start and record', () => {
  test('a start naming an unknown signed or ML-KEM prekey is MISSING_PREKEY', () => {
    const { alice, bob, start: sent } = startedSession(p, utf8('hi'));
    const start = sent.message;
    for (const prekeys of [
      { ...bob.lookup, signedPrekey: () => undefined },
      { ...bob.lookup, pqPrekey: () => undefined },
    ]) {
      const error = expectProtocolError(
        () => acceptSession(p, { account: bob.pub, device: bob.device, prekeys, start }),
        'MISSING_PREKEY',
      );
      expect(error.message).toMatch(/^acceptSession:/);
    }
    const reflected = expectProtocolError(
      () =>
        acceptSession(p, {
          account: alice.pub,
          device: alice.device,
          prekeys: alice.lookup,
          start,
        }),
      'REFLECTED',
    );
    expect(reflected.message).toMatch(/^acceptSession:/);
  });

  test('a start of another session is UNKNOWN_SENDER; a bad one-time flag is MALFORMED', () => {
    const one = talking();
    const other = talking();
    const error = expectProtocolError(
      () => sessionDecryptStart(p, one.bob, other.start),
      'UNKNOWN_SENDER',
    );
    expect(error.message).toMatch(/^sessionDecryptStart:/);
    // version | 3 keys | 2 prekey ids: the one-time flag is byte 105.
    const flag = one.start.slice();
    flag[105] = 2;
    expect(
      expectProtocolError(() => sessionDecryptStart(p, one.bob, flag), 'MALFORMED').message,
    ).toMatch(/^decodeSessionStart:/);
    expect(
      expectProtocolError(
        () => sessionDecryptStart(p, one.bob, one.start.subarray(0, 60)),
        'TRUNCATED',
      ).message,
    ).toMatch(/^decodeSessionStart:/);
  });

  test('a retransmitted start opens on the current session', () => {
    const alice = makeParty(p, { accountId: 'alice' });
    const bob = makeParty(p, { accountId: 'bob' });
    const first = sessionEncrypt(
      p,
      initiateSession(p, {
        account: alice.pub,
        device: alice.device,
        remote: bob.pub,
        bundle: bob.bundle(),
      }),
      utf8('one'),
    );
    const second = sessionEncrypt(p, first.state, utf8('two'));
    const accepted = acceptSession(p, {
      account: bob.pub,
      device: bob.device,
      prekeys: bob.lookup,
      start: first.message,
    });
    const out = sessionRecordDecrypt(
      p,
      { current: accepted.state, archived: [] },
      { kind: 'start', bytes: second.message },
    );
    expect(text(out.plaintext)).toBe('two');
  });

  test('REPLAY from an archived session wins over the current session’s DECRYPT_FAILED', () => {
    const older = talking();
    const sent = send(older.alice, 'once');
    const opened = ratchetDecrypt(p, older.bob, sent.message).state;
    const newer = talking();
    const record = { current: newer.bob, archived: [opened] };
    expectProtocolError(
      () => sessionRecordDecrypt(p, record, { kind: 'message', bytes: sent.message }),
      'REPLAY',
    );
  });

  test('the record encoding refuses too many archived sessions on both sides, naming the function', () => {
    const { bob } = talking();
    const record = {
      current: bob,
      archived: Array.from({ length: LIMITS.maxArchivedSessions + 1 }, () => bob),
    };
    const error = expectProtocolError(() => encodeSessionRecord(record), 'INVALID_ARGUMENT');
    expect(error.message).toMatch(/^encodeSessionRecord:/);
    const encoded = encodeSessionRecord({ current: bob, archived: [] });
    const tooMany = encoded.slice();
    tooMany[1] = LIMITS.maxArchivedSessions + 1;
    expect(expectProtocolError(() => decodeSessionRecord(tooMany), 'MALFORMED').message).toMatch(
      /^decodeSessionRecord:/,
    );
    expect(
      expectProtocolError(() => decodeSessionRecord(encoded.subarray(0, 3)), 'TRUNCATED').message,
    ).toMatch(/^decodeSessionRecord:/);
  });
});
