// SHA-256, SHA-512, BLAKE2b and HMAC-SHA256 against published known answers.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { concatBytes, fromHex, toHex, utf8 } from '../encoding/bytes';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import { loadPrimitives } from './load';

const p = await loadPrimitives();
const abc = utf8('abc');

describe('SHA-2 (FIPS 180-4 "abc" examples)', () => {
  test('SHA-256("abc")', () => {
    expect(toHex(p.sha256(abc))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  test('SHA-512("abc")', () => {
    expect(toHex(p.sha512(abc))).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });
});

describe('BLAKE2b', () => {
  const abc512 =
    'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923';

  test('BLAKE2b-512("abc"), RFC 7693 Appendix A', () => {
    expect(toHex(p.blake2b(abc, 64))).toBe(abc512);
  });

  test('the default output is 32 bytes and not a truncation of the 64-byte one', () => {
    const short = p.blake2b(abc);
    expect(short).toHaveLength(32);
    // The output length is a BLAKE2 parameter, so BLAKE2b-256 differs from BLAKE2b-512's prefix.
    expect(toHex(short)).not.toBe(abc512.slice(0, 64));
  });

  test('a key changes the output', () => {
    expect(p.blake2b(abc, 32, new Uint8Array(32).fill(1))).not.toEqual(p.blake2b(abc, 32));
  });

  test('streaming over any split equals the one-shot hash', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }), (chunks) => {
        const stream = p.blake2bStream(64);
        for (const chunk of chunks) stream.update(chunk);
        expect(stream.digest()).toEqual(p.blake2b(concatBytes(...chunks), 64));
      }),
      { numRuns: 100 },
    );
  });

  test("lengths and keys outside libsodium's range are INVALID_ARGUMENT, not a bare Error", () => {
    expect(p.blake2b(abc, 1)).toHaveLength(1);
    expect(p.blake2b(abc, 32, new Uint8Array(64))).toHaveLength(32);
    expectProtocolError(() => p.blake2b(abc, 0), 'INVALID_ARGUMENT');
    expectProtocolError(() => p.blake2b(abc, 65), 'INVALID_ARGUMENT');
    expectProtocolError(() => p.blake2b(abc, 32, new Uint8Array(65)), 'INVALID_ARGUMENT');
    expectProtocolError(() => p.blake2bStream(65), 'INVALID_ARGUMENT');
  });

  test('a finished stream refuses more input and a second digest', () => {
    const stream = p.blake2bStream();
    stream.update(abc);
    expect(stream.digest()).toEqual(p.blake2b(abc));
    expectProtocolError(() => stream.update(abc), 'INVALID_ARGUMENT');
    expectProtocolError(() => stream.digest(), 'INVALID_ARGUMENT');
  });
});

describe('HMAC-SHA256 (RFC 4231)', () => {
  test('test case 1: 20-byte key of 0x0b, "Hi There"', () => {
    expect(toHex(p.hmacSha256(fromHex('0b'.repeat(20)), utf8('Hi There')))).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
  });

  test('test case 2: key "Jefe", "what do ya want for nothing?"', () => {
    expect(toHex(p.hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  test('a message given in parts equals the same message given whole, for any key length', () => {
    // A 32-byte key with one part takes libsodium's one-shot call; everything else streams.
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 80 })),
        fc.array(fc.uint8Array({ maxLength: 100 }), { minLength: 1, maxLength: 4 }),
        (key, parts) => {
          expect(p.hmacSha256(key, ...parts)).toEqual(p.hmacSha256(key, concatBytes(...parts)));
        },
      ),
      { numRuns: 100 },
    );
  });
});
