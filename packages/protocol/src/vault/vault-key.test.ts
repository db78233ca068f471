import { beforeAll, describe, expect, test } from 'vitest';
import { toHex } from '../encoding/bytes';
import { isProtocolError, type ProtocolErrorCode } from '../errors';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import type { SecretKey } from '../types';
import {
  createVaultKey,
  unwrapVaultKeyWithPassword,
  unwrapVaultKeyWithSecret,
  vaultWrapKind,
  wrapVaultKeyWithPassword,
  wrapVaultKeyWithSecret,
} from './vault-key';
import { VAULT_ARGON2ID_DEFAULT, VAULT_ARGON2ID_MAX, VAULT_ARGON2ID_MIN } from './vault-params';

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (error) {
    return isProtocolError(error) ? error.code : 'other';
  }
}

/** Argon2id with a cache, so tests that alter non-KDF bytes of one blob do not re-hash each time. */
function withArgon2Cache(p: Primitives): Primitives & { readonly argon2Calls: () => number } {
  const cache = new Map<string, Uint8Array>();
  let calls = 0;
  return {
    ...p,
    argon2Calls: () => calls,
    argon2id(options) {
      const { password, salt, params, length = 32 } = options;
      const id = [toHex(password), toHex(salt), params.opsLimit, params.memLimit, length].join();
      let out = cache.get(id);
      if (out === undefined) {
        calls++;
        out = p.argon2id(options);
        cache.set(id, out);
      }
      return out.slice(); // callers wipe what they get
    },
  };
}

let p: ReturnType<typeof withArgon2Cache>;
let vaultKey: SecretKey;
let wrapped: Uint8Array;
beforeAll(async () => {
  p = withArgon2Cache(await loadPrimitives());
  vaultKey = createVaultKey(p);
  wrapped = wrapVaultKeyWithPassword(p, { vaultKey, password: 'correct horse' });
});

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

describe('password wrap', () => {
  test('round trip with the documented default limits and layout', () => {
    expect(vaultKey).toHaveLength(32);
    expect(wrapped).toHaveLength(98);
    expect([wrapped[0], wrapped[1]]).toEqual([1, 1]);
    expect(view(wrapped).getUint32(2)).toBe(VAULT_ARGON2ID_DEFAULT.opsLimit);
    expect(view(wrapped).getUint32(6)).toBe(VAULT_ARGON2ID_DEFAULT.memLimit);
    expect(VAULT_ARGON2ID_DEFAULT).toEqual({ opsLimit: 3, memLimit: 64 * 1024 * 1024 });
    expect(vaultWrapKind(wrapped)).toBe('password');
    expect(unwrapVaultKeyWithPassword(p, { wrapped, password: 'correct horse' })).toEqual(vaultKey);
  });

  test("the floor is libsodium's INTERACTIVE", () => {
    expect(VAULT_ARGON2ID_MIN).toEqual(p.argon2idInteractive);
  });

  test('a wrong password is DECRYPT_FAILED', () => {
    expect(
      codeOf(() => unwrapVaultKeyWithPassword(p, { wrapped, password: 'correct horsE' })),
    ).toBe('DECRYPT_FAILED');
  });

  test('each wrap has a fresh salt and nonce', () => {
    const again = wrapVaultKeyWithPassword(p, {
      vaultKey,
      password: 'correct horse',
      params: VAULT_ARGON2ID_MIN,
    });
    expect(toHex(again.subarray(10, 50))).not.toBe(toHex(wrapped.subarray(10, 50)));
    expect(unwrapVaultKeyWithPassword(p, { wrapped: again, password: 'correct horse' })).toEqual(
      vaultKey,
    );
  });

  test('a password typed in another Unicode normal form unlocks the same vault', () => {
    const composed = 'caf\u00e9 \u00fcber';
    const decomposed = 'cafe\u0301 u\u0308ber';
    const blob = wrapVaultKeyWithPassword(p, {
      vaultKey,
      password: composed,
      params: VAULT_ARGON2ID_MIN,
    });
    expect(unwrapVaultKeyWithPassword(p, { wrapped: blob, password: decomposed })).toEqual(
      vaultKey,
    );
  });

  test('weakened or absurd limits in a blob are refused before any hashing', () => {
    const before = p.argon2Calls();
    const weakOps = wrapped.slice();
    view(weakOps).setUint32(2, 1);
    expect(codeOf(() => unwrapVaultKeyWithPassword(p, { wrapped: weakOps, password: 'x' }))).toBe(
      'WEAK_PARAMETERS',
    );
    const weakMem = wrapped.slice();
    view(weakMem).setUint32(6, 32 * 1024 * 1024);
    expect(codeOf(() => unwrapVaultKeyWithPassword(p, { wrapped: weakMem, password: 'x' }))).toBe(
      'WEAK_PARAMETERS',
    );
    const hugeMem = wrapped.slice();
    view(hugeMem).setUint32(6, VAULT_ARGON2ID_MAX.memLimit + 1);
    expect(codeOf(() => unwrapVaultKeyWithPassword(p, { wrapped: hugeMem, password: 'x' }))).toBe(
      'TOO_LARGE',
    );
    expect(p.argon2Calls()).toBe(before);
    expect(
      codeOf(() =>
        wrapVaultKeyWithPassword(p, {
          vaultKey,
          password: 'x',
          params: { opsLimit: 1, memLimit: 64 * 1024 * 1024 },
        }),
      ),
    ).toBe('WEAK_PARAMETERS');
  });

  test('raised limits or another salt derive another key: DECRYPT_FAILED', () => {
    const moreOps = wrapped.slice();
    view(moreOps).setUint32(2, 4);
    const otherSalt = wrapped.slice();
    otherSalt[10]! ^= 1;
    for (const blob of [moreOps, otherSalt]) {
      expect(
        codeOf(() => unwrapVaultKeyWithPassword(p, { wrapped: blob, password: 'correct horse' })),
      ).toBe('DECRYPT_FAILED');
    }
  });

  test('every bit of the nonce and wrapped key is authenticated', () => {
    for (let index = 26; index < wrapped.length; index++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = wrapped.slice();
        tampered[index]! ^= 1 << bit;
        expect(
          codeOf(() =>
            unwrapVaultKeyWithPassword(p, { wrapped: tampered, password: 'correct horse' }),
          ),
        ).toBe('DECRYPT_FAILED');
      }
    }
  });

  test('version, kind, truncation and trailing bytes have their codes', () => {
    const unwrap = (blob: Uint8Array) =>
      codeOf(() => unwrapVaultKeyWithPassword(p, { wrapped: blob, password: 'correct horse' }));
    const version = wrapped.slice();
    version[0] = 2;
    expect(unwrap(version)).toBe('UNKNOWN_VERSION');
    const secretKind = wrapped.slice();
    secretKind[1] = 2;
    expect(unwrap(secretKind)).toBe('INVALID_ARGUMENT');
    const unknownKind = wrapped.slice();
    unknownKind[1] = 9;
    expect(unwrap(unknownKind)).toBe('MALFORMED');
    expect(codeOf(() => vaultWrapKind(unknownKind))).toBe('MALFORMED');
    for (const cut of [0, 1, 5, 26, 50, 97])
      expect(unwrap(wrapped.subarray(0, cut))).toBe('TRUNCATED');
    expect(unwrap(Uint8Array.of(...wrapped, 0))).toBe('MALFORMED');
    expect(codeOf(() => unwrapVaultKeyWithPassword(p, { wrapped, password: '' }))).toBe(
      'INVALID_ARGUMENT',
    );
  });
});

describe('secret (passkey PRF) wrap', () => {
  test('round trip, layout, and a different secret is DECRYPT_FAILED', () => {
    const secret = p.randomBytes(32);
    const blob = wrapVaultKeyWithSecret(p, { vaultKey, secret });
    expect(blob).toHaveLength(90);
    expect([blob[0], blob[1]]).toEqual([1, 2]);
    expect(vaultWrapKind(blob)).toBe('secret');
    expect(unwrapVaultKeyWithSecret(p, { wrapped: blob, secret })).toEqual(vaultKey);
    expect(
      codeOf(() => unwrapVaultKeyWithSecret(p, { wrapped: blob, secret: p.randomBytes(32) })),
    ).toBe('DECRYPT_FAILED');
  });

  test('every bit after the kind byte is bound: salt, nonce and ciphertext', () => {
    const secret = p.randomBytes(32);
    const blob = wrapVaultKeyWithSecret(p, { vaultKey, secret });
    for (let index = 2; index < blob.length; index++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = blob.slice();
        tampered[index]! ^= 1 << bit;
        expect(codeOf(() => unwrapVaultKeyWithSecret(p, { wrapped: tampered, secret }))).toBe(
          'DECRYPT_FAILED',
        );
      }
    }
  });

  test('wrong secret length, wrong kind and truncation are refused', () => {
    const secret = p.randomBytes(32);
    const blob = wrapVaultKeyWithSecret(p, { vaultKey, secret });
    expect(codeOf(() => wrapVaultKeyWithSecret(p, { vaultKey, secret: p.randomBytes(16) }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(codeOf(() => unwrapVaultKeyWithSecret(p, { wrapped, secret }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => unwrapVaultKeyWithPassword(p, { wrapped: blob, password: 'x' }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(
      codeOf(() => unwrapVaultKeyWithSecret(p, { wrapped: blob.subarray(0, 89), secret })),
    ).toBe('TRUNCATED');
    expect(
      codeOf(() => wrapVaultKeyWithSecret(p, { vaultKey: p.randomBytes(31) as SecretKey, secret })),
    ).toBe('INVALID_ARGUMENT');
  });
});
