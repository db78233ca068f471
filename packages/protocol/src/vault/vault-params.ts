// Password-hashing parameters and input limits for the vault. Argon2id parameters are stored in
// every password-protected blob (so they can be raised later without breaking old blobs) and are
// checked on the way in, so a tampered or hostile blob can neither weaken the KDF nor make unlock
// hang or run out of memory.

import { utf8 } from '../encoding/bytes';
import { fail } from '../errors';
import type { Argon2idParams } from '../primitives/primitives';

const MIB = 1024 * 1024;

/**
 * Default Argon2id cost for vault passwords and backup files: 3 passes over 64 MiB.
 *
 * Memory is what makes Argon2id expensive for GPU and ASIC attackers, but the vault is unlocked in
 * browser WebAssembly on phones, where a tab that asks for several hundred MiB risks being killed
 * (libsodium's MODERATE, 256 MiB, is unsafe there). 64 MiB is libsodium's INTERACTIVE memory and
 * works everywhere we run; we take one pass more than INTERACTIVE (3 instead of 2) to buy ~50 %
 * more attacker cost for the same memory. That is about 0.3 s in Node on a laptop and around a
 * second on a mid-range phone: acceptable once per unlock, and it needs no network, so history
 * opens offline.
 */
export const VAULT_ARGON2ID_DEFAULT: Argon2idParams = { opsLimit: 3, memLimit: 64 * MIB };

/** The floor: libsodium's INTERACTIVE limits. Anything weaker is refused as WEAK_PARAMETERS. */
export const VAULT_ARGON2ID_MIN: Argon2idParams = { opsLimit: 2, memLimit: 64 * MIB };

/**
 * The ceiling: libsodium's SENSITIVE memory (1 GiB) and 10 passes. Higher values are refused as
 * TOO_LARGE so a hostile backup file cannot stall or crash the importing device.
 */
export const VAULT_ARGON2ID_MAX: Argon2idParams = { opsLimit: 10, memLimit: 1024 * MIB };

export const VAULT_LIMITS = {
  /** Table names: 1..64 UTF-8 bytes. */
  maxTableBytes: 64,
  /** Row ids: 1..256 UTF-8 bytes. */
  maxRowIdBytes: 256,
  /** Largest single value in an export file (16 MiB); rows are far smaller in practice. */
  maxRecordValueBytes: 16 * MIB,
  /** Longest password accepted, in UTF-8 bytes after normalisation. */
  maxPasswordBytes: 4096,
} as const;

export function checkArgon2idParams(params: Argon2idParams, context: string): void {
  const { opsLimit, memLimit } = params;
  if (!Number.isSafeInteger(opsLimit) || !Number.isSafeInteger(memLimit)) {
    fail('INVALID_ARGUMENT', `${context}: Argon2id limits must be integers`);
  }
  if (opsLimit < VAULT_ARGON2ID_MIN.opsLimit || memLimit < VAULT_ARGON2ID_MIN.memLimit) {
    fail('WEAK_PARAMETERS', `${context}: Argon2id limits below libsodium's INTERACTIVE`);
  }
  if (opsLimit > VAULT_ARGON2ID_MAX.opsLimit || memLimit > VAULT_ARGON2ID_MAX.memLimit) {
    fail('TOO_LARGE', `${context}: Argon2id limits above the accepted maximum`);
  }
}

/**
 * Password bytes: strings are normalised to Unicode NFC first (as RFC 8265's OpaqueString does), so
 * the same password typed on two keyboards that compose accents differently unlocks the same vault.
 * Byte passwords are used as given.
 */
export function passwordBytes(password: string | Uint8Array, context: string): Uint8Array {
  const bytes = typeof password === 'string' ? utf8(password.normalize('NFC')) : password;
  if (bytes.length === 0) fail('INVALID_ARGUMENT', `${context}: empty password`);
  if (bytes.length > VAULT_LIMITS.maxPasswordBytes) {
    fail('TOO_LARGE', `${context}: password too long`);
  }
  return bytes;
}

/** Checks a table name and row id against VAULT_LIMITS; they are UTF-8 and never empty. */
export function checkRowAddress(
  address: { table: string; id: string },
  context: string,
  code: 'INVALID_ARGUMENT' | 'MALFORMED' = 'INVALID_ARGUMENT',
): void {
  const tableBytes = utf8(address.table).length;
  const idBytes = utf8(address.id).length;
  if (tableBytes === 0 || tableBytes > VAULT_LIMITS.maxTableBytes) {
    fail(code, `${context}: table name must be 1..${VAULT_LIMITS.maxTableBytes} bytes`);
  }
  if (idBytes === 0 || idBytes > VAULT_LIMITS.maxRowIdBytes) {
    fail(code, `${context}: row id must be 1..${VAULT_LIMITS.maxRowIdBytes} bytes`);
  }
}
