// 10,000 tampered messages (header, body, tag, associated data): every one refused, the receiving
// state byte-for-byte unchanged, and the next genuine message still decrypts.

import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { equalBytes, utf8 } from '../encoding/bytes';
import { isProtocolError } from '../errors';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { startedSession } from '../test-support/parties';
import type { Ed25519PublicKey } from '../types';
import { ratchetDecrypt, ratchetEncrypt } from './ratchet';
import { RATCHET_HEADER_LENGTH } from './ratchet-message';
import { encodeRatchetState, type RatchetState } from './ratchet-state';

let p: Primitives;
let sender: RatchetState;
let receiver: RatchetState;
const refusedBy = new Map<string, number>();

beforeAll(async () => {
  p = await loadPrimitives();
  const { start, accepted } = startedSession(p, utf8('hi'));
  sender = start.state;
  receiver = accepted.state;
});

afterAll(() => {
  console.log(`ratchet tamper: refused by code ${JSON.stringify(Object.fromEntries(refusedBy))}`);
});

type Region = 'header' | 'body' | 'tag' | 'ad';

test('10,000 tampered messages are refused with state unchanged; the next genuine one decrypts', () => {
  let runs = 0;
  fc.assert(
    fc.property(
      fc.constantFrom<Region>('header', 'body', 'tag', 'ad'),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      fc.uint8Array({ minLength: 0, maxLength: 64 }),
      (region, position, mask, text) => {
        runs++;
        const out = ratchetEncrypt(p, sender, text);
        sender = out.state;
        const message = out.message.slice();
        const bodyLength = message.length - RATCHET_HEADER_LENGTH - 16;
        let target = receiver;
        if (region === 'header') message[position % RATCHET_HEADER_LENGTH]! ^= mask;
        if (region === 'body') {
          if (bodyLength === 0)
            message[RATCHET_HEADER_LENGTH]! ^= mask; // empty body: first tag byte
          else message[RATCHET_HEADER_LENGTH + (position % bodyLength)]! ^= mask;
        }
        if (region === 'tag') message[message.length - 16 + (position % 16)]! ^= mask;
        if (region === 'ad') {
          // Same bytes, but the receiver believes in a different sender identity.
          const accountKey = receiver.remote.accountKey.slice() as Ed25519PublicKey;
          accountKey[position % 32]! ^= mask;
          target = { ...receiver, remote: { ...receiver.remote, accountKey } };
        }
        const before = encodeRatchetState(target);
        let refused = false;
        try {
          ratchetDecrypt(p, target, message);
        } catch (error) {
          refused = isProtocolError(error);
          const code = isProtocolError(error) ? error.code : 'NOT_A_PROTOCOL_ERROR';
          refusedBy.set(code, (refusedBy.get(code) ?? 0) + 1);
        }
        expect(refused).toBe(true);
        // equalBytes: vitest's deep equality is slow on byte arrays, and this runs 10,000 times.
        expect(equalBytes(encodeRatchetState(target), before)).toBe(true);
        // The genuine message still decrypts on the untouched state.
        const genuine = ratchetDecrypt(p, receiver, out.message);
        expect(equalBytes(genuine.plaintext, text)).toBe(true);
        receiver = genuine.state;
      },
    ),
    { numRuns: 10_000 },
  );
  expect(runs).toBe(10_000);
});
