// Forward secrecy and post-compromise recovery, tested as an attacker would try them: with a copy
// of a party's full state and every ciphertext the network carried.

import { beforeAll, describe, expect, test } from 'vitest';
import { utf8 } from '../encoding/bytes';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { talkingSession } from '../test-support/parties';
import { ratchetDecrypt, ratchetEncrypt } from './ratchet';
import { decodeRatchetState, encodeRatchetState, type RatchetState } from './ratchet-state';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

const steal = (state: RatchetState): RatchetState => decodeRatchetState(encodeRatchetState(state));
const opens = (state: RatchetState, message: Uint8Array): boolean => {
  try {
    ratchetDecrypt(p, state, message);
    return true;
  } catch {
    return false;
  }
};

describe('forward secrecy', () => {
  test('state captured after message i opens none of the messages before it', () => {
    let { aliceState: alice, bobState: bob } = talkingSession(p, utf8('0'), utf8('ack'));
    const delivered: Uint8Array[] = [];
    for (let i = 0; i < 30; i++) {
      // Mix directions so that several DH ratchet steps happen.
      if (i % 7 === 6) {
        const back = ratchetEncrypt(p, bob, utf8(`b${i}`));
        bob = back.state;
        alice = ratchetDecrypt(p, alice, back.message).state;
      }
      const out = ratchetEncrypt(p, alice, utf8(`a${i}`));
      alice = out.state;
      bob = ratchetDecrypt(p, bob, out.message).state;
      delivered.push(out.message);
      const stolen = steal(bob);
      for (const earlier of delivered) expect(opens(stolen, earlier)).toBe(false);
    }
  });
});

describe('post-compromise recovery', () => {
  test('after one DH round trip, the stolen state opens nothing new', () => {
    let { aliceState: alice, bobState: bob } = talkingSession(p, utf8('0'), utf8('ack'));
    let eve = steal(bob);
    // Alice keeps talking; Eve (with Bob's stolen state) reads what she can of the traffic.
    const a1 = ratchetEncrypt(p, alice, utf8('before healing'));
    alice = a1.state;
    bob = ratchetDecrypt(p, bob, a1.message).state;
    expect(opens(eve, a1.message)).toBe(true); // compromise is real: she reads the current chain
    eve = ratchetDecrypt(p, eve, a1.message).state;

    // One round trip: Bob answers with a fresh ratchet key Eve does not know, Alice replies.
    const b1 = ratchetEncrypt(p, bob, utf8('bob answers'));
    bob = b1.state;
    alice = ratchetDecrypt(p, alice, b1.message).state;
    for (let i = 0; i < 10; i++) {
      const next = ratchetEncrypt(p, alice, utf8(`after healing ${i}`));
      alice = next.state;
      bob = ratchetDecrypt(p, bob, next.message).state;
      expect(opens(eve, next.message)).toBe(false);
    }
  });
});
