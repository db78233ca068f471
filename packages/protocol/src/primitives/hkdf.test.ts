// HKDF-SHA256 against every Wycheproof hkdf_sha256 vector and RFC 5869's first and third cases.

import { describe, expect, test } from 'vitest';
import { fromHex, toHex } from '../encoding/bytes';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import {
  describeWycheproof,
  outcomeOf,
  runVectors,
  type WycheproofGroup,
  type WycheproofTest,
} from '../test-support/wycheproof';
import { HKDF_MAX_LENGTH } from './hkdf';
import { loadPrimitives } from './load';

const p = await loadPrimitives();

interface HkdfVector extends WycheproofTest {
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly size: number;
  readonly okm: string;
}

describeWycheproof('HKDF Wycheproof vectors', () => {
  test('hkdf_sha256_test.json: output matches; sizes over 255 * 32 are INVALID_ARGUMENT', () => {
    const report = runVectors<WycheproofGroup<HkdfVector>>('hkdf_sha256_test.json', (vector) => {
      const expected = vector.result === 'valid' ? `okm ${vector.okm}` : 'throws INVALID_ARGUMENT';
      const actual = outcomeOf(() => {
        const okm = p.hkdf({
          ikm: fromHex(vector.ikm),
          salt: fromHex(vector.salt),
          info: fromHex(vector.info),
          length: vector.size,
        });
        return `okm ${toHex(okm)}`;
      });
      return { expected, actual };
    });
    expect(report.failures).toEqual([]);
    expect(report.checked).toBe(report.announced);
    expect(report.passedByResult.invalid).toBeGreaterThan(0);
  });
});

describe('HKDF-SHA256 RFC 5869', () => {
  const ikm = fromHex('0b'.repeat(22));

  test('test case 1: extract with salt, expand with info to 42 bytes', () => {
    const salt = fromHex('000102030405060708090a0b0c');
    const info = fromHex('f0f1f2f3f4f5f6f7f8f9');
    const prk = p.hmacSha256(salt, ikm);
    expect(toHex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    const okm =
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865';
    expect(toHex(p.hkdfExpand(prk, info, 42))).toBe(okm);
    expect(toHex(p.hkdf({ ikm, salt, info, length: 42 }))).toBe(okm);
  });

  test('test case 3: an empty salt acts as 32 zero bytes', () => {
    const empty = new Uint8Array(0);
    const okm =
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8';
    expect(toHex(p.hkdf({ ikm, salt: empty, info: empty, length: 42 }))).toBe(okm);
    expect(toHex(p.hkdf({ ikm, salt: new Uint8Array(32), info: empty, length: 42 }))).toBe(okm);
  });

  test('a shorter output is a prefix of a longer one', () => {
    const options = { ikm, salt: new Uint8Array(0), info: fromHex('01') };
    const long = p.hkdf({ ...options, length: 100 });
    expect(p.hkdf({ ...options, length: 33 })).toEqual(long.subarray(0, 33));
  });

  test.each([0, -1, 1.5, HKDF_MAX_LENGTH + 1])('length %d is INVALID_ARGUMENT', (length) => {
    const empty = new Uint8Array(0);
    expectProtocolError(
      () => p.hkdf({ ikm, salt: empty, info: empty, length }),
      'INVALID_ARGUMENT',
    );
    expectProtocolError(() => p.hkdfExpand(new Uint8Array(32), empty, length), 'INVALID_ARGUMENT');
  });

  test('the maximum length, 255 * 32 bytes, is allowed', () => {
    const empty = new Uint8Array(0);
    expect(p.hkdf({ ikm, salt: empty, info: empty, length: HKDF_MAX_LENGTH })).toHaveLength(8160);
  });
});
