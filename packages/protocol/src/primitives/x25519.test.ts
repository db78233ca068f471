// X25519 against outside truth: every Wycheproof x25519 vector and the RFC 7748 answers.

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
import type { X25519PublicKey, X25519SecretKey } from '../types';
import { loadPrimitives } from './load';

const p = await loadPrimitives();

const secret = (hex: string) => fromHex(hex) as X25519SecretKey;
const pub = (hex: string) => fromHex(hex) as X25519PublicKey;

interface X25519Vector extends WycheproofTest {
  readonly public: string;
  readonly private: string;
  readonly shared: string;
}

describeWycheproof('X25519 Wycheproof vectors', () => {
  test('x25519_test.json: valid and acceptable vectors match, low-order points refused', () => {
    const report = runVectors<WycheproofGroup<X25519Vector>>('x25519_test.json', (vector) => {
      // libsodium refuses any public key whose product is the identity (an all-zero secret);
      // every other point, non-canonical or on the twist, must give the RFC 7748 answer.
      const refused = /^(00)+$/.test(vector.shared);
      const expected = refused ? 'throws BAD_KEY' : `shared ${vector.shared}`;
      const actual = outcomeOf(
        () => `shared ${toHex(p.x25519(secret(vector.private), pub(vector.public)))}`,
      );
      return { expected, actual };
    });
    expect(report.failures).toEqual([]);
    expect(report.checked).toBe(report.announced);
    expect(report.passedByResult.acceptable).toBeGreaterThan(0);
  });
});

describe('X25519 RFC 7748', () => {
  // §5.2: two single multiplications with unclamped scalars and, in the second, a u-coordinate
  // with the top bit set (which X25519 must ignore).
  test.each([
    {
      scalar: 'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
      u: 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
      out: 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
    },
    {
      scalar: '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
      u: 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
      out: '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
    },
  ])('§5.2 scalar $scalar', ({ scalar, u, out }) => {
    expect(toHex(p.x25519(secret(scalar), pub(u)))).toBe(out);
  });

  test('§5.2 iterated: after 1 and 1,000 iterations', () => {
    // k = u = 9; each round: (k, u) = (X25519(k, u), k).
    let k = fromHex('09'.padEnd(64, '0'));
    let u = k;
    const results = new Map<number, string>();
    for (let i = 1; i <= 1000; i++) {
      const next = p.x25519(k as X25519SecretKey, u as X25519PublicKey);
      u = k;
      k = next;
      if (i === 1 || i === 1000) results.set(i, toHex(k));
    }
    expect(results.get(1)).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    expect(results.get(1000)).toBe(
      '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51',
    );
  });

  test('§6.1 Diffie-Hellman: public keys and the shared secret of Alice and Bob', () => {
    const alice = secret('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = secret('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const alicePublic = p.x25519PublicKey(alice);
    const bobPublic = p.x25519PublicKey(bob);
    expect(toHex(alicePublic)).toBe(
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
    );
    expect(toHex(bobPublic)).toBe(
      'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
    );
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(toHex(p.x25519(alice, bobPublic))).toBe(shared);
    expect(toHex(p.x25519(bob, alicePublic))).toBe(shared);
  });
});

describe('X25519 key pairs and argument checks', () => {
  test('generated key pairs agree on a shared secret and carry the matching public key', () => {
    const a = p.x25519KeyPair();
    const b = p.x25519KeyPair();
    expect(p.x25519PublicKey(a.secretKey)).toEqual(a.publicKey);
    expect(p.x25519(a.secretKey, b.publicKey)).toEqual(p.x25519(b.secretKey, a.publicKey));
    expect(a.secretKey).not.toEqual(b.secretKey);
  });

  test('the all-zero public key is refused with BAD_KEY, not an all-zero secret', () => {
    const error = expectProtocolError(
      () => p.x25519(p.x25519KeyPair().secretKey, pub('00'.repeat(32))),
      'BAD_KEY',
    );
    expect(error.message).toMatch(/^x25519: /);
  });

  test.each([
    ['a short secret key', 31, 32],
    ['a long public key', 32, 33],
  ])('%s is refused with INVALID_ARGUMENT', (_name, secretLength, publicLength) => {
    expectProtocolError(
      () =>
        p.x25519(
          new Uint8Array(secretLength).fill(1) as X25519SecretKey,
          new Uint8Array(publicLength).fill(9) as X25519PublicKey,
        ),
      'INVALID_ARGUMENT',
    );
  });
});
