// The vault key: one random 32-byte key that encrypts every sensitive row a client stores
// (vault-row.ts). It never leaves the device in the clear; at rest it exists only wrapped, by an
// Argon2id-derived key from the user's password and/or by a passkey's WebAuthn PRF output.
//
// Password wrap (version 1, kind 1), 98 bytes:
//   u8 version | u8 kind = 1 | u32 opsLimit | u32 memLimit | 16 salt | 24 nonce | 48 wrapped
//   KEK     = Argon2id13(password, salt, opsLimit, memLimit, 32 bytes)
//   wrapped = XChaCha20-Poly1305(KEK, nonce, vault key, AD = LABEL.vaultPasswordWrap || bytes[0..26))
// Secret wrap (version 1, kind 2), 90 bytes:
//   u8 version | u8 kind = 2 | 16 salt | 24 nonce | 48 wrapped
//   KEK     = HKDF-SHA256(ikm = 32-byte secret, salt, info = LABEL.vaultSecretWrap, 32 bytes)
//   wrapped = XChaCha20-Poly1305(KEK, nonce, vault key, AD = LABEL.vaultSecretWrap || bytes[0..18))
// The AD covers every header byte, so parameters cannot be swapped between blobs; parameters are
// also range-checked before any work, so a blob edited to weaker (or absurd) limits is refused.

import { LABEL, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { Argon2idParams, Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import type { SecretKey } from '../types';
import { checkArgon2idParams, passwordBytes, VAULT_ARGON2ID_DEFAULT } from './vault-params';

/** The `kind` byte of a wrapped vault key. */
export const VAULT_WRAP_KIND = { password: 1, secret: 2 } as const;
export type VaultWrapKind = keyof typeof VAULT_WRAP_KIND;

const WRAPPED_BYTES = SIZES.aeadKey + SIZES.aeadTag;
/** Length of the WebAuthn PRF output (and of any other secret accepted by the secret wrap). */
export const VAULT_WRAP_SECRET_BYTES = 32;

export function createVaultKey(p: Primitives): SecretKey {
  return p.randomBytes(SIZES.aeadKey) as SecretKey;
}

function checkVaultKey(vaultKey: Uint8Array, context: string): void {
  if (vaultKey.length !== SIZES.aeadKey) {
    fail('INVALID_ARGUMENT', `${context}: vault key must be ${SIZES.aeadKey} bytes`);
  }
}

function checkSecret(secret: Uint8Array, context: string): void {
  if (secret.length !== VAULT_WRAP_SECRET_BYTES) {
    fail('INVALID_ARGUMENT', `${context}: secret must be ${VAULT_WRAP_SECRET_BYTES} bytes`);
  }
}

/** Which unlock method a wrapped key needs, so the app knows whether to ask for a password. */
export function vaultWrapKind(wrapped: Uint8Array): VaultWrapKind {
  const reader = new ByteReader(wrapped, 'vaultWrapKind');
  reader.version(VERSION.vaultWrap);
  const kind = reader.u8();
  if (kind === VAULT_WRAP_KIND.password) return 'password';
  if (kind === VAULT_WRAP_KIND.secret) return 'secret';
  return fail('MALFORMED', `vaultWrapKind: unknown kind ${kind}`);
}

/** Reads version and kind; a wrap of the other known kind is the caller's mistake. */
function readHeader(reader: ByteReader, expected: VaultWrapKind, context: string): void {
  reader.version(VERSION.vaultWrap);
  const kind = reader.u8();
  if (kind === VAULT_WRAP_KIND[expected]) return;
  if (kind === VAULT_WRAP_KIND.password || kind === VAULT_WRAP_KIND.secret) {
    fail('INVALID_ARGUMENT', `${context}: this key is not wrapped by a ${expected}`);
  }
  fail('MALFORMED', `${context}: unknown kind ${kind}`);
}

function passwordKek(
  p: Primitives,
  options: { password: string | Uint8Array; salt: Uint8Array; params: Argon2idParams },
  context: string,
): Uint8Array {
  return p.argon2id({
    password: passwordBytes(options.password, context),
    salt: options.salt,
    params: options.params,
    length: SIZES.aeadKey,
  });
}

export function wrapVaultKeyWithPassword(
  p: Primitives,
  options: { vaultKey: SecretKey; password: string | Uint8Array; params?: Argon2idParams },
): Uint8Array {
  const context = 'wrapVaultKeyWithPassword';
  const { vaultKey, params = VAULT_ARGON2ID_DEFAULT } = options;
  checkVaultKey(vaultKey, context);
  checkArgon2idParams(params, context);
  const salt = p.randomBytes(SIZES.argon2Salt);
  const header = new ByteWriter(32)
    .u8(VERSION.vaultWrap)
    .u8(VAULT_WRAP_KIND.password)
    .u32(params.opsLimit)
    .u32(params.memLimit)
    .fixed(salt, SIZES.argon2Salt)
    .finish();
  const kek = passwordKek(p, { password: options.password, salt, params }, context);
  const nonce = p.randomBytes(SIZES.xchachaNonce);
  const wrapped = p.xchachaEncrypt(
    kek,
    nonce,
    vaultKey,
    concatBytes(LABEL.vaultPasswordWrap, header),
  );
  p.wipe(kek);
  return concatBytes(header, nonce, wrapped);
}

/**
 * DECRYPT_FAILED for a wrong password or any altered byte; WEAK_PARAMETERS if the stored Argon2id
 * limits are below INTERACTIVE, TOO_LARGE if above VAULT_ARGON2ID_MAX (checked before hashing).
 */
export function unwrapVaultKeyWithPassword(
  p: Primitives,
  options: { wrapped: Uint8Array; password: string | Uint8Array },
): SecretKey {
  const context = 'unwrapVaultKeyWithPassword';
  const reader = new ByteReader(options.wrapped, context);
  readHeader(reader, 'password', context);
  const params = { opsLimit: reader.u32(), memLimit: reader.u32() };
  checkArgon2idParams(params, context);
  const salt = reader.fixed(SIZES.argon2Salt);
  const headerLength = options.wrapped.length - reader.remaining;
  const nonce = reader.fixed(SIZES.xchachaNonce);
  const wrapped = reader.fixed(WRAPPED_BYTES);
  reader.end();
  const ad = concatBytes(LABEL.vaultPasswordWrap, options.wrapped.subarray(0, headerLength));
  const kek = passwordKek(p, { password: options.password, salt, params }, context);
  try {
    return p.xchachaDecrypt(kek, nonce, wrapped, ad) as SecretKey;
  } finally {
    p.wipe(kek);
  }
}

function secretKek(p: Primitives, secret: Uint8Array, salt: Uint8Array): Uint8Array {
  return p.hkdf({ ikm: secret, salt, info: LABEL.vaultSecretWrap, length: SIZES.aeadKey });
}

/** Wraps the vault key under a 32-byte high-entropy secret: a passkey's WebAuthn PRF output. */
export function wrapVaultKeyWithSecret(
  p: Primitives,
  options: { vaultKey: SecretKey; secret: Uint8Array },
): Uint8Array {
  const context = 'wrapVaultKeyWithSecret';
  checkVaultKey(options.vaultKey, context);
  checkSecret(options.secret, context);
  const salt = p.randomBytes(SIZES.argon2Salt);
  const header = concatBytes(Uint8Array.of(VERSION.vaultWrap, VAULT_WRAP_KIND.secret), salt);
  const kek = secretKek(p, options.secret, salt);
  const nonce = p.randomBytes(SIZES.xchachaNonce);
  const wrapped = p.xchachaEncrypt(
    kek,
    nonce,
    options.vaultKey,
    concatBytes(LABEL.vaultSecretWrap, header),
  );
  p.wipe(kek);
  return concatBytes(header, nonce, wrapped);
}

/** DECRYPT_FAILED for a different secret or any altered byte. */
export function unwrapVaultKeyWithSecret(
  p: Primitives,
  options: { wrapped: Uint8Array; secret: Uint8Array },
): SecretKey {
  const context = 'unwrapVaultKeyWithSecret';
  checkSecret(options.secret, context);
  const reader = new ByteReader(options.wrapped, context);
  readHeader(reader, 'secret', context);
  const salt = reader.fixed(SIZES.argon2Salt);
  const headerLength = options.wrapped.length - reader.remaining;
  const nonce = reader.fixed(SIZES.xchachaNonce);
  const wrapped = reader.fixed(WRAPPED_BYTES);
  reader.end();
  const ad = concatBytes(LABEL.vaultSecretWrap, options.wrapped.subarray(0, headerLength));
  const kek = secretKek(p, options.secret, salt);
  try {
    return p.xchachaDecrypt(kek, nonce, wrapped, ad) as SecretKey;
  } finally {
    p.wipe(kek);
  }
}
