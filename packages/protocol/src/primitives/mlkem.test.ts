// ML-KEM-768 (FIPS 203) against every Wycheproof vector: seed key generation, deterministic
// encapsulation (with the modulus check on public keys) and decapsulation (with implicit rejection).

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
import type { MlKemPublicKey, MlKemSecretKey } from '../types';
import { loadPrimitives } from './load';
import { SIZES } from './sizes';

const p = await loadPrimitives();

interface KeygenVector extends WycheproofTest {
  readonly seed: string;
  readonly ek: string;
  readonly dk: string;
}

interface EncapsVector extends WycheproofTest {
  readonly ek: string;
  readonly m: string;
  readonly c: string;
  readonly K: string;
}

interface DecapsVector extends WycheproofTest {
  readonly seed: string;
  readonly ek: string;
  readonly c: string;
  readonly K: string;
}

const ML_KEM_Q = 3329;
const ENCODED_POLYNOMIALS = 3 * 384;

/**
 * FIPS 203 §7.2's modulus check, computed here independently of libsodium: the first 1152 bytes
 * of an encapsulation key are 768 twelve-bit coefficients, each of which must be below q.
 */
function hasUnreducedCoefficient(ek: Uint8Array): boolean {
  for (let i = 0; i + 3 <= ENCODED_POLYNOMIALS; i += 3) {
    const [b0, b1, b2] = [ek[i]!, ek[i + 1]!, ek[i + 2]!];
    if ((b0 | ((b1 & 0x0f) << 8)) >= ML_KEM_Q || ((b1 >> 4) | (b2 << 4)) >= ML_KEM_Q) return true;
  }
  return false;
}

const matches = (actual: Uint8Array, expectedHex: string) =>
  toHex(actual) === expectedHex ? 'matches' : 'differs';

describeWycheproof('ML-KEM-768 Wycheproof vectors', () => {
  test('mlkem_768_keygen_seed_test.json: the seed gives the exact ek and dk', () => {
    const report = runVectors<WycheproofGroup<KeygenVector>>(
      'mlkem_768_keygen_seed_test.json',
      (vector) => ({
        expected: 'ek matches; dk matches',
        actual: outcomeOf(() => {
          const pair = p.mlkemKeyPairFromSeed(fromHex(vector.seed));
          return `ek ${matches(pair.publicKey, vector.ek)}; dk ${matches(pair.secretKey, vector.dk)}`;
        }),
      }),
    );
    expect(report.failures).toEqual([]);
    expect(report.checked).toBe(report.announced);
  });

  test('mlkem_768_encaps_test.json: c and K match; bad lengths and unreduced keys refused', () => {
    const report = runVectors<WycheproofGroup<EncapsVector>>(
      'mlkem_768_encaps_test.json',
      (vector) => {
        const ek = fromHex(vector.ek);
        const m = fromHex(vector.m);
        // Why an invalid vector is invalid is worked out from its bytes, not from its comment.
        const expected =
          ek.length !== SIZES.mlkemPublicKey || m.length !== SIZES.mlkemEncapsSeed
            ? 'throws INVALID_ARGUMENT'
            : hasUnreducedCoefficient(ek)
              ? 'throws BAD_KEY'
              : vector.result === 'valid'
                ? 'c matches; K matches'
                : 'an invalid vector with no reason found';
        const actual = outcomeOf(() => {
          const out = p.mlkemEncapsulateWithSeed(ek as MlKemPublicKey, m);
          return `c ${matches(out.ciphertext, vector.c)}; K ${matches(out.sharedSecret, vector.K)}`;
        });
        return { expected, actual };
      },
    );
    expect(report.failures).toEqual([]);
    expect(report.checked).toBe(report.announced);
    expect(report.passedByResult.invalid).toBeGreaterThan(0);
  });

  test('mlkem_768_test.json: keys from the seed, K from c; bad lengths are INVALID_ARGUMENT', () => {
    const report = runVectors<WycheproofGroup<DecapsVector>>('mlkem_768_test.json', (vector) => {
      const seed = fromHex(vector.seed);
      const c = fromHex(vector.c);
      // The invalid vectors here are a seed ("private key") or a ciphertext of the wrong
      // length; modified ciphertexts of the right length are valid and take implicit rejection.
      const expected =
        seed.length !== SIZES.mlkemSeed
          ? 'keygen: throws INVALID_ARGUMENT'
          : c.length !== SIZES.mlkemCiphertext
            ? 'keygen: ek matches; decapsulate: throws INVALID_ARGUMENT'
            : vector.result === 'valid'
              ? `keygen: ek matches; decapsulate: K ${vector.K}`
              : 'an invalid vector with no reason found';
      const keygen = outcomeOf(() => {
        const pair = p.mlkemKeyPairFromSeed(seed);
        const decapsulated = outcomeOf(() => `K ${toHex(p.mlkemDecapsulate(pair.secretKey, c))}`);
        return `ek ${matches(pair.publicKey, vector.ek)}; decapsulate: ${decapsulated}`;
      });
      return { expected, actual: `keygen: ${keygen}` };
    });
    expect(report.failures).toEqual([]);
    expect(report.checked).toBe(report.announced);
    expect(report.passedByResult.invalid).toBeGreaterThan(0);
  });
});

describe('ML-KEM-768 round trip and argument checks', () => {
  const pair = p.mlkemKeyPair();

  test('encapsulate then decapsulate agree on a 32-byte secret; sizes are FIPS 203 ML-KEM-768', () => {
    const { ciphertext, sharedSecret } = p.mlkemEncapsulate(pair.publicKey);
    expect(pair.publicKey).toHaveLength(1184);
    expect(pair.secretKey).toHaveLength(2400);
    expect(ciphertext).toHaveLength(1088);
    expect(sharedSecret).toHaveLength(32);
    expect(p.mlkemDecapsulate(pair.secretKey, ciphertext)).toEqual(sharedSecret);
  });

  test('a modified ciphertext gives a different secret without an error (implicit rejection)', () => {
    const { ciphertext, sharedSecret } = p.mlkemEncapsulate(pair.publicKey);
    const modified = ciphertext.slice();
    modified[100]! ^= 1;
    const rejected = p.mlkemDecapsulate(pair.secretKey, modified);
    expect(rejected).toHaveLength(32);
    expect(rejected).not.toEqual(sharedSecret);
    // Implicit rejection is deterministic: the same bad ciphertext gives the same secret.
    expect(p.mlkemDecapsulate(pair.secretKey, modified)).toEqual(rejected);
  });

  test('the same seed gives the same key pair', () => {
    const seed = p.randomBytes(SIZES.mlkemSeed);
    expect(p.mlkemKeyPairFromSeed(seed)).toEqual(p.mlkemKeyPairFromSeed(seed));
  });

  test('wrong lengths are INVALID_ARGUMENT; an unreduced public key is BAD_KEY', () => {
    expectProtocolError(
      () => p.mlkemEncapsulate(pair.publicKey.subarray(1) as MlKemPublicKey),
      'INVALID_ARGUMENT',
    );
    expectProtocolError(
      () => p.mlkemDecapsulate(pair.secretKey.subarray(1) as MlKemSecretKey, new Uint8Array(1088)),
      'INVALID_ARGUMENT',
    );
    const unreduced = pair.publicKey.slice() as MlKemPublicKey;
    unreduced[0] = 0xff;
    unreduced[1] = unreduced[1]! | 0x0f;
    expect(hasUnreducedCoefficient(unreduced)).toBe(true);
    expectProtocolError(() => p.mlkemEncapsulate(unreduced), 'BAD_KEY');
  });
});
