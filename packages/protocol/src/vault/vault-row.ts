// Row encryption for the client's local database: every sensitive row (keys, sessions, messages,
// contacts, outbox) is stored as one opaque value under the vault key. The table name and row id
// are bound into the AD, so a row copied to another table or another id (by anyone who can write
// to IndexedDB) fails to decrypt instead of being accepted as that other row.
//
// Layout (version 1): u8 version | 24 nonce (random) | XChaCha20-Poly1305 ciphertext (plaintext + 16)
//   AD = LABEL.vaultRow || u8 version || u16 len || table (UTF-8) || u16 len || row id (UTF-8)
// Random 192-bit nonces make nonce reuse under one vault key negligible for any number of writes.

import { LABEL, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import type { SecretKey } from '../types';
import { checkRowAddress } from './vault-params';

/** Bytes a row grows by when encrypted: version, nonce and tag. */
export const VAULT_ROW_OVERHEAD = 1 + SIZES.xchachaNonce + SIZES.aeadTag;

function rowAd(table: string, rowId: string): Uint8Array {
  // Stryker disable next-line ArithmeticOperator: a capacity hint (64 - 16 is still positive); a wrong one only makes the writer grow
  return new ByteWriter(64 + LABEL.vaultRow.length)
    .rest(LABEL.vaultRow)
    .u8(VERSION.vaultRow)
    .string(table)
    .string(rowId)
    .finish();
}

export function encryptRow(
  p: Primitives,
  options: { vaultKey: SecretKey; table: string; rowId: string; plaintext: Uint8Array },
): Uint8Array {
  const { vaultKey, table, rowId, plaintext } = options;
  checkRowAddress({ table, id: rowId }, 'encryptRow');
  const nonce = p.randomBytes(SIZES.xchachaNonce);
  const ciphertext = p.xchachaEncrypt(vaultKey, nonce, plaintext, rowAd(table, rowId));
  return concatBytes(Uint8Array.of(VERSION.vaultRow), nonce, ciphertext);
}

/**
 * DECRYPT_FAILED for a wrong key, another table or row id, or any altered byte; UNKNOWN_VERSION and
 * TRUNCATED for bytes that are not a row at all.
 */
export function decryptRow(
  p: Primitives,
  options: { vaultKey: SecretKey; table: string; rowId: string; ciphertext: Uint8Array },
): Uint8Array {
  const { vaultKey, table, rowId, ciphertext } = options;
  checkRowAddress({ table, id: rowId }, 'decryptRow');
  const reader = new ByteReader(ciphertext, 'decryptRow');
  reader.version(VERSION.vaultRow);
  const nonce = reader.fixed(SIZES.xchachaNonce);
  if (reader.remaining < SIZES.aeadTag) fail('TRUNCATED', 'decryptRow: input is truncated');
  return p.xchachaDecrypt(vaultKey, nonce, reader.rest(), rowAd(table, rowId));
}
