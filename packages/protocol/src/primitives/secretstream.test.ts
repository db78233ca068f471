// secretstream (libsodium crypto_secretstream_xchacha20poly1305): the chunked encryption under
// attachments. What matters beyond the round trip is that tampering, reordering and truncation
// are all detectable by the reader.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { utf8 } from '../encoding/bytes';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import { loadPrimitives } from './load';
import { SIZES } from './sizes';

const p = await loadPrimitives();

/** Encrypts `chunks` as one stream, marking the last one final. */
function encryptStream(key: Uint8Array, chunks: readonly Uint8Array[]) {
  const { header, pusher } = p.streamPush(key);
  const sealed = chunks.map((chunk, i) => pusher.push(chunk, i === chunks.length - 1));
  return { header, sealed };
}

const key = p.randomBytes(SIZES.aeadKey);
const chunks = ['first', 'second', 'third', 'fourth'].map((text) => utf8(text));

describe('secretstream', () => {
  test('round trip over any number of chunks; only the last is final', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 }),
        (plain) => {
          const { header, sealed } = encryptStream(key, plain);
          expect(header).toHaveLength(SIZES.streamHeader);
          const puller = p.streamPull(key, header);
          sealed.forEach((chunk, i) => {
            expect(chunk).toHaveLength(plain[i]!.length + SIZES.streamOverhead);
            const out = puller.pull(chunk);
            expect(out.plaintext).toEqual(plain[i]);
            expect(out.final).toBe(i === sealed.length - 1);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  test('a flipped bit in any chunk is DECRYPT_FAILED', () => {
    const { header, sealed } = encryptStream(key, chunks);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sealed.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (index, at, bit) => {
          const puller = p.streamPull(key, header);
          for (let i = 0; i < index; i++) puller.pull(sealed[i]!);
          const tampered = sealed[index]!.slice();
          tampered[at % tampered.length]! ^= 1 << bit;
          expectProtocolError(() => puller.pull(tampered), 'DECRYPT_FAILED');
          // A refused chunk does not advance the stream: the genuine one still opens.
          expect(puller.pull(sealed[index]!).plaintext).toEqual(chunks[index]);
        },
      ),
      { numRuns: 100 },
    );
  });

  test('a missing final chunk is detectable: the last chunk read is not final', () => {
    const { header, sealed } = encryptStream(key, chunks);
    const puller = p.streamPull(key, header);
    const finals = sealed.slice(0, -1).map((chunk) => puller.pull(chunk).final);
    expect(finals).toEqual([false, false, false]);
  });

  test('reordered, skipped or replayed chunks are refused', () => {
    const { header, sealed } = encryptStream(key, chunks);
    expectProtocolError(() => p.streamPull(key, header).pull(sealed[1]!), 'DECRYPT_FAILED');
    const puller = p.streamPull(key, header);
    puller.pull(sealed[0]!);
    expectProtocolError(() => puller.pull(sealed[2]!), 'DECRYPT_FAILED');
    expectProtocolError(() => puller.pull(sealed[0]!), 'DECRYPT_FAILED');
  });

  test('chunks cannot move between streams, even under the same key', () => {
    const one = encryptStream(key, chunks);
    const two = encryptStream(key, chunks);
    expectProtocolError(() => p.streamPull(key, two.header).pull(one.sealed[0]!), 'DECRYPT_FAILED');
  });

  test('the wrong key, a short chunk and a cut chunk are DECRYPT_FAILED', () => {
    const { header, sealed } = encryptStream(key, chunks);
    const otherKey = p.randomBytes(SIZES.aeadKey);
    expectProtocolError(() => p.streamPull(otherKey, header).pull(sealed[0]!), 'DECRYPT_FAILED');
    const short = new Uint8Array(SIZES.streamOverhead - 1);
    expectProtocolError(() => p.streamPull(key, header).pull(short), 'DECRYPT_FAILED');
    const cut = sealed[0]!.subarray(0, sealed[0]!.length - 1);
    expectProtocolError(() => p.streamPull(key, header).pull(cut), 'DECRYPT_FAILED');
  });

  test('nothing is read after the final chunk, and nothing is written after it', () => {
    const { header, pusher } = p.streamPush(key);
    const last = pusher.push(chunks[0]!, true);
    expectProtocolError(() => pusher.push(chunks[1]!, false), 'INVALID_ARGUMENT');
    const puller = p.streamPull(key, header);
    expect(puller.pull(last).final).toBe(true);
    expectProtocolError(() => puller.pull(last), 'MALFORMED');
  });

  test('wrong-length keys and headers are INVALID_ARGUMENT', () => {
    expectProtocolError(() => p.streamPush(new Uint8Array(31)), 'INVALID_ARGUMENT');
    const { header } = p.streamPush(key);
    expectProtocolError(() => p.streamPull(new Uint8Array(33), header), 'INVALID_ARGUMENT');
    expectProtocolError(() => p.streamPull(key, header.subarray(1)), 'INVALID_ARGUMENT');
  });
});
