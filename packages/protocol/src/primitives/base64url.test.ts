// Unpadded base64url, the only text form of bytes at the wire edge: it must agree with RFC 4648
// (and Node's encoder), and every byte string must have exactly one accepted encoding.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromBase64Url, toBase64Url, utf8 } from '../encoding/bytes';
import { isProtocolError } from '../errors';
import { expectProtocolError } from '../test-support/expect-protocol-error';

describe('base64url', () => {
  test.each([
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ])('RFC 4648 §10: %j encodes as %j (padding dropped)', (text, encoded) => {
    expect(toBase64Url(utf8(text))).toBe(encoded);
    expect(fromBase64Url(encoded)).toEqual(utf8(text));
  });

  test('uses - and _ where base64 has + and /', () => {
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
  });

  test('round trips any bytes and agrees with Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromBase64Url(text)).toEqual(bytes);
      }),
    );
  });

  test('every accepted string is the canonical encoding of what it decodes to', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }), (chars) => {
        const text = chars.join('');
        try {
          expect(toBase64Url(fromBase64Url(text))).toBe(text);
        } catch (error) {
          if (!isProtocolError(error, 'MALFORMED')) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });

  test.each([
    ['non-zero leftover bits', 'Zh'],
    ['non-zero leftover bits after two bytes', 'Zm9'],
    ['padding', 'Zg=='],
    ['standard base64 characters', 'a+/b'],
    ['whitespace', 'Zm9v Yg'],
    ['an impossible length', 'Zm9vY'],
  ])('refuses %s (%j) with MALFORMED', (_name, text) => {
    expectProtocolError(() => fromBase64Url(text), 'MALFORMED');
  });
});
