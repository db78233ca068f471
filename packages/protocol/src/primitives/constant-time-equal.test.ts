// constantTimeEqual, randomBytes and wipe: the small primitives every secret passes through.

import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import { equalBytes } from '../encoding/bytes';
import { loadPrimitives, loadSodium } from './load';
import { createPrimitives } from './primitives';

const p = await loadPrimitives();

describe('constantTimeEqual', () => {
  test('agrees with plain equality on arbitrary pairs, and on pairs one bit apart', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        expect(p.constantTimeEqual(a, b)).toBe(equalBytes(a, b));
      }),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (a, at, bit) => {
          const b = a.slice();
          b[at % b.length]! ^= 1 << bit;
          expect(p.constantTimeEqual(a, a.slice())).toBe(true);
          expect(p.constantTimeEqual(a, b)).toBe(false);
        },
      ),
    );
  });

  test('different lengths are unequal even when one is a prefix of the other', () => {
    expect(p.constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    expect(p.constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

describe('randomBytes', () => {
  test('gives the requested length, filled past the 65,536-byte getRandomValues limit', () => {
    expect(p.randomBytes(0)).toHaveLength(0);
    const big = p.randomBytes(3 * 65536 + 5);
    expect(big).toHaveLength(3 * 65536 + 5);
    // Each 64 KiB block (and the 5-byte tail) must have been written, not left as zeros.
    for (let offset = 0; offset < big.length; offset += 65536) {
      expect(big.subarray(offset, offset + 65536).some((byte) => byte !== 0)).toBe(true);
    }
  });

  test('two draws differ', () => {
    expect(p.randomBytes(32)).not.toEqual(p.randomBytes(32));
  });

  test('falls back to libsodium where there is no Web Crypto', async () => {
    const sodium = await loadSodium();
    let libsodiumCalls = 0;
    const counting = Object.create(sodium, {
      randombytes_buf: {
        value: (length: number) => {
          libsodiumCalls++;
          return sodium.randombytes_buf(length);
        },
      },
    }) as typeof sodium;
    vi.stubGlobal('crypto', undefined);
    const fallback = createPrimitives(counting);
    vi.unstubAllGlobals();
    const bytes = fallback.randomBytes(64);
    expect(bytes).toHaveLength(64);
    expect(bytes).not.toEqual(fallback.randomBytes(64));
    expect(libsodiumCalls).toBe(2);
    // With Web Crypto present, libsodium's generator is not used.
    createPrimitives(counting).randomBytes(64);
    expect(libsodiumCalls).toBe(2);
  });

  test('the test-only seam makes key generation reproducible', async () => {
    const sodium = await loadSodium();
    const seeded = () =>
      createPrimitives(sodium, {
        dangerousTestOnlyRandom: (length) => new Uint8Array(length).fill(42),
      });
    expect(seeded().x25519KeyPair()).toEqual(seeded().x25519KeyPair());
    expect(seeded().ed25519KeyPair()).toEqual(seeded().ed25519KeyPair());
  });
});

describe('wipe', () => {
  test('zeroes the bytes in place', () => {
    const secret = p.randomBytes(48);
    secret[0] = 1;
    p.wipe(secret);
    expect(secret).toEqual(new Uint8Array(48));
  });
});
