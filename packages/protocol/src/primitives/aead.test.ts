// ChaCha20-Poly1305 (IETF) and XChaCha20-Poly1305 against every Wycheproof vector, plus the
// properties the rest of the protocol leans on: any change to key, nonce, ciphertext or AD fails.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromHex, toHex, utf8 } from '../encoding/bytes';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import {
  describeWycheproof,
  outcomeOf,
  runVectors,
  type WycheproofGroup,
  type WycheproofTest,
} from '../test-support/wycheproof';
import { loadPrimitives } from './load';
import { SIZES } from './sizes';

const p = await loadPrimitives();

interface AeadVector extends WycheproofTest {
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly msg: string;
  readonly ct: string;
  readonly tag: string;
}

interface AeadGroup extends WycheproofGroup<AeadVector> {
  readonly ivSize: number;
  readonly keySize: number;
  readonly tagSize: number;
}

// Named rather than referenced, so each call goes through the primitives object.
const variants = [
  {
    file: 'chacha20_poly1305_test.json',
    nonceBytes: SIZES.chachaIetfNonce,
    encrypt: 'chachaIetfEncrypt',
    decrypt: 'chachaIetfDecrypt',
  },
  {
    file: 'xchacha20_poly1305_test.json',
    nonceBytes: SIZES.xchachaNonce,
    encrypt: 'xchachaEncrypt',
    decrypt: 'xchachaDecrypt',
  },
] as const;

describeWycheproof('AEAD Wycheproof vectors', () => {
  test.each(variants)('$file via $encrypt / $decrypt', ({ file, nonceBytes, encrypt, decrypt }) => {
    const report = runVectors<AeadGroup>(file, (vector, group) => {
      const key = fromHex(vector.key);
      const nonce = fromHex(vector.iv);
      const aad = fromHex(vector.aad);
      const sealed = vector.ct + vector.tag;
      // Both directions run for every vector. A group with a nonce or key size the construction
      // does not define must be refused before any work; a modified tag must fail to open (and
      // our own encryption of the same message must therefore differ from the vector's bytes).
      const sizesDefined =
        group.ivSize === nonceBytes * 8 &&
        group.keySize === SIZES.aeadKey * 8 &&
        group.tagSize === SIZES.aeadTag * 8;
      const expected = !sizesDefined
        ? 'encrypt throws INVALID_ARGUMENT; decrypt throws INVALID_ARGUMENT'
        : vector.result === 'valid'
          ? 'encrypt matches; decrypt matches'
          : 'encrypt differs; decrypt throws DECRYPT_FAILED';
      const encrypted = outcomeOf(() =>
        toHex(p[encrypt](key, nonce, fromHex(vector.msg), aad)) === sealed ? 'matches' : 'differs',
      );
      const decrypted = outcomeOf(() =>
        toHex(p[decrypt](key, nonce, fromHex(sealed), aad)) === vector.msg ? 'matches' : 'differs',
      );
      return { expected, actual: `encrypt ${encrypted}; decrypt ${decrypted}` };
    });
    expect(report.failures).toEqual([]);
    expect(report.checked).toBe(report.announced);
    expect(report.passedByResult.invalid).toBeGreaterThan(0);
  });
});

describe('XChaCha20-Poly1305', () => {
  const key = p.randomBytes(SIZES.aeadKey);
  const nonce = p.randomBytes(SIZES.xchachaNonce);

  test('round trip; a flipped bit anywhere in key, nonce, ciphertext or AD is refused', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.constantFrom('key', 'nonce', 'ciphertext', 'ad'),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (plaintext, ad, target, at, bit) => {
          const sealed = p.xchachaEncrypt(key, nonce, plaintext, ad);
          expect(sealed.length).toBe(plaintext.length + SIZES.aeadTag);
          expect(p.xchachaDecrypt(key, nonce, sealed, ad)).toEqual(plaintext);

          const tampered: Record<typeof target, Uint8Array> = {
            key,
            nonce,
            ciphertext: sealed,
            ad,
          };
          tampered[target] =
            tampered[target].length === 0 ? Uint8Array.of(1) : flipBit(tampered[target], at, bit);
          expectProtocolError(
            () => p.xchachaDecrypt(tampered.key, tampered.nonce, tampered.ciphertext, tampered.ad),
            'DECRYPT_FAILED',
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a ciphertext shorter than the tag is DECRYPT_FAILED, named after the function', () => {
    const error = expectProtocolError(
      () => p.xchachaDecrypt(key, nonce, new Uint8Array(SIZES.aeadTag - 1), new Uint8Array(0)),
      'DECRYPT_FAILED',
    );
    expect(error.message).toMatch(/^xchachaDecrypt: /);
  });

  test('the error never carries the plaintext or key bytes', () => {
    const secret = utf8('attack at dawn');
    const sealed = p.xchachaEncrypt(key, nonce, secret, new Uint8Array(0));
    sealed[0]! ^= 1;
    const error = expectProtocolError(
      () => p.xchachaDecrypt(key, nonce, sealed, new Uint8Array(0)),
      'DECRYPT_FAILED',
    );
    expect(error.message).not.toContain('attack');
    expect(error.message).not.toContain(toHex(key));
  });

  test.each([
    ['key', 31, SIZES.xchachaNonce],
    ['nonce', SIZES.aeadKey, SIZES.chachaIetfNonce],
  ])('a wrong-length %s is INVALID_ARGUMENT', (_what, keyLength, nonceLength) => {
    const badKey = new Uint8Array(keyLength);
    const badNonce = new Uint8Array(nonceLength);
    const empty = new Uint8Array(0);
    expectProtocolError(() => p.xchachaEncrypt(badKey, badNonce, empty, empty), 'INVALID_ARGUMENT');
    expectProtocolError(
      () => p.xchachaDecrypt(badKey, badNonce, new Uint8Array(16), empty),
      'INVALID_ARGUMENT',
    );
  });
});

function flipBit(bytes: Uint8Array, at: number, bit: number): Uint8Array {
  const out = bytes.slice();
  out[at % out.length]! ^= 1 << bit;
  return out;
}
