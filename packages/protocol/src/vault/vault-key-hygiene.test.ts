// What the mutation run (docs/security.md, suite 6) found unpinned in the vault-key wraps: every
// key-encryption key is wiped once used — after a wrap, an unwrap, and an unwrap that failed — and
// a secret wrap with bytes appended is refused before any key is derived.

import { beforeAll, describe, expect, test } from 'vitest';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import type { SecretKey } from '../types';
import {
  unwrapVaultKeyWithPassword,
  unwrapVaultKeyWithSecret,
  wrapVaultKeyWithPassword,
  wrapVaultKeyWithSecret,
} from './vault-key';
import { VAULT_ARGON2ID_MIN } from './vault-params';

let p: Primitives;
/** Every key-encryption key handed out (Argon2id and HKDF outputs), to check each was wiped. */
let keks: Uint8Array[] = [];
let argon2Result: Uint8Array | undefined;

beforeAll(async () => {
  const real = await loadPrimitives();
  p = {
    ...real,
    argon2id(options) {
      // One password and one limit throughout: whatever the salt, one real hash is enough here,
      // because only the wiping of the bytes handed out is under test.
      argon2Result ??= real.argon2id(options);
      const out = argon2Result.slice();
      keks.push(out);
      return out;
    },
    hkdf(options) {
      const out = real.hkdf(options);
      keks.push(out);
      return out;
    },
  };
});

const vaultKey = new Uint8Array(32).fill(5) as SecretKey;
const secret = new Uint8Array(32).fill(3);
const wiped = () => keks.length > 0 && keks.every((kek) => kek.every((b) => b === 0));

describe('vault key wraps: key hygiene', () => {
  test('the password KEK is wiped after a wrap, an unwrap and a failed unwrap', () => {
    keks = [];
    const wrapped = wrapVaultKeyWithPassword(p, {
      vaultKey,
      password: 'pw',
      params: VAULT_ARGON2ID_MIN,
    });
    expect(wiped()).toBe(true);
    keks = [];
    expect(unwrapVaultKeyWithPassword(p, { wrapped, password: 'pw' })).toEqual(vaultKey);
    expect(wiped()).toBe(true);
    keks = [];
    const tampered = wrapped.slice();
    tampered[tampered.length - 1]! ^= 1;
    expectProtocolError(
      () => unwrapVaultKeyWithPassword(p, { wrapped: tampered, password: 'pw' }),
      'DECRYPT_FAILED',
    );
    expect(wiped()).toBe(true);
  });

  test('the secret KEK is wiped after a wrap, an unwrap and a failed unwrap', () => {
    keks = [];
    const wrapped = wrapVaultKeyWithSecret(p, { vaultKey, secret });
    expect(wiped()).toBe(true);
    keks = [];
    expect(unwrapVaultKeyWithSecret(p, { wrapped, secret })).toEqual(vaultKey);
    expect(wiped()).toBe(true);
    keks = [];
    expectProtocolError(
      () => unwrapVaultKeyWithSecret(p, { wrapped, secret: new Uint8Array(32).fill(4) }),
      'DECRYPT_FAILED',
    );
    expect(wiped()).toBe(true);
  });

  test('a secret wrap with a byte appended is MALFORMED, before any key is derived', () => {
    const wrapped = wrapVaultKeyWithSecret(p, { vaultKey, secret });
    keks = [];
    const error = expectProtocolError(
      () => unwrapVaultKeyWithSecret(p, { wrapped: Uint8Array.of(...wrapped, 0), secret }),
      'MALFORMED',
    );
    expect(error.message).toMatch(/^unwrapVaultKeyWithSecret:/);
    expect(keks).toHaveLength(0);
  });
});
