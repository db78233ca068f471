// The account-key backup: the account identity's secret, encrypted on a device and kept by the relay
// as an opaque blob, so a new device can obtain it with the password (OPAQUE's export key, which only
// someone who knows the password can derive) or with a passkey (its WebAuthn PRF output). Each
// factor has its own wrap of the same secret; changing the password replaces the password wrap and
// leaves the passkey wraps as they are (a device holding the identity can always re-wrap it).
//
// Backup (version 1):
//   u8 version | u8 wrapCount (1..16) | wrapCount × wrap
//   wrap: u8 kind (1 export key, 2 passkey PRF) | u16 len + factorId (UTF-8: "" for the password,
//         the credential id for a passkey) | 16 salt | 24 nonce | u32 len + ciphertext
//   key        = HKDF-SHA256(ikm = factor secret, salt, info = LABEL.accountBackup{ExportKey,PasskeyPrf})
//   ciphertext = XChaCha20-Poly1305(key, nonce, secret, AD = info || u8 version || kind || factorId || salt)
// Secret (version 1): u8 version | u16 len + accountId | 32 Ed25519 seed
// Only the seed is stored: the key pair is recomputed from it, and the public key a device derives
// is what it checks the account's signed device list against.

import { LABEL, LIMITS, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import { assertAccountId, type AccountIdentity } from './account-identity';

/** What opens (and makes) one wrap. The secrets are at least 32 uniformly random bytes. */
export type AccountBackupFactor =
  | { readonly kind: 'password'; readonly exportKey: Uint8Array }
  | { readonly kind: 'passkey'; readonly credentialId: string; readonly prfSecret: Uint8Array };

/** One wrap as stored; callers never need to look inside the ciphertext. */
export interface AccountBackupWrap {
  readonly kind: AccountBackupFactor['kind'];
  readonly factorId: string;
  readonly salt: Uint8Array;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

const KIND_CODES = { password: 1, passkey: 2 } as const;
const SALT_BYTES = 16;
const MIN_SECRET_BYTES = 32;
/** A credential id is at most 1023 bytes (WebAuthn); base64url makes that 1364 characters. */
const MAX_FACTOR_ID_BYTES = 1400;
export const ACCOUNT_BACKUP_MAX_WRAPS = 16;

function factorId(factor: AccountBackupFactor): string {
  return factor.kind === 'password' ? '' : factor.credentialId;
}

function factorSecret(factor: AccountBackupFactor): Uint8Array {
  return factor.kind === 'password' ? factor.exportKey : factor.prfSecret;
}

function label(kind: AccountBackupFactor['kind']): Uint8Array {
  return kind === 'password' ? LABEL.accountBackupExportKey : LABEL.accountBackupPasskeyPrf;
}

function wrapAd(wrap: Pick<AccountBackupWrap, 'kind' | 'factorId' | 'salt'>): Uint8Array {
  const header = new ByteWriter(32)
    .u8(VERSION.accountBackup)
    .u8(KIND_CODES[wrap.kind])
    .string(wrap.factorId)
    .fixed(wrap.salt, SALT_BYTES)
    .finish();
  return concatBytes(label(wrap.kind), header);
}

function wrapKey(p: Primitives, factor: AccountBackupFactor, salt: Uint8Array): Uint8Array {
  const secret = factorSecret(factor);
  if (secret.length < MIN_SECRET_BYTES) {
    fail(
      'INVALID_ARGUMENT',
      `accountBackup: a factor secret has at least ${MIN_SECRET_BYTES} bytes`,
    );
  }
  return p.hkdf({ ikm: secret, salt, info: label(factor.kind), length: SIZES.aeadKey });
}

/** The account identity's secret as it travels inside a wrap (or a device-link payload). */
export function encodeAccountSecret(account: AccountIdentity): Uint8Array {
  return new ByteWriter(128)
    .u8(VERSION.accountBackupSecret)
    .string(account.accountId)
    .fixed(account.keyPair.secretKey.subarray(0, SIZES.ed25519Seed), SIZES.ed25519Seed)
    .finish();
}

export function decodeAccountSecret(p: Primitives, bytes: Uint8Array): AccountIdentity {
  const reader = new ByteReader(bytes, 'decodeAccountSecret');
  reader.version(VERSION.accountBackupSecret);
  const accountId = reader.string(LIMITS.maxAccountIdBytes);
  const seed = reader.fixed(SIZES.ed25519Seed);
  reader.end();
  const keyPair = p.ed25519KeyPairFromSeed(seed);
  p.wipe(seed);
  return { accountId, accountKey: keyPair.publicKey, keyPair };
}

/** Encrypts the account identity under one factor. */
export function wrapAccountIdentity(
  p: Primitives,
  options: { account: AccountIdentity; factor: AccountBackupFactor },
): AccountBackupWrap {
  const { account, factor } = options;
  assertAccountId(account.accountId, 'wrapAccountIdentity');
  const salt = p.randomBytes(SALT_BYTES);
  const nonce = p.randomBytes(SIZES.xchachaNonce);
  const key = wrapKey(p, factor, salt);
  const secret = encodeAccountSecret(account);
  const head = { kind: factor.kind, factorId: factorId(factor), salt };
  const ciphertext = p.xchachaEncrypt(key, nonce, secret, wrapAd(head));
  p.wipe(key);
  p.wipe(secret);
  return { ...head, nonce, ciphertext };
}

export function encodeAccountBackup(wraps: readonly AccountBackupWrap[]): Uint8Array {
  if (wraps.length === 0 || wraps.length > ACCOUNT_BACKUP_MAX_WRAPS) {
    fail('INVALID_ARGUMENT', `encodeAccountBackup: 1..${ACCOUNT_BACKUP_MAX_WRAPS} wraps`);
  }
  const writer = new ByteWriter(256 * wraps.length).u8(VERSION.accountBackup).u8(wraps.length);
  for (const wrap of wraps) {
    writer
      .u8(KIND_CODES[wrap.kind])
      .string(wrap.factorId)
      .fixed(wrap.salt, SALT_BYTES)
      .fixed(wrap.nonce, SIZES.xchachaNonce)
      .bytes(wrap.ciphertext);
  }
  return writer.finish();
}

export function decodeAccountBackup(bytes: Uint8Array): AccountBackupWrap[] {
  const reader = new ByteReader(bytes, 'decodeAccountBackup');
  reader.version(VERSION.accountBackup);
  const count = reader.u8();
  if (count === 0 || count > ACCOUNT_BACKUP_MAX_WRAPS) {
    fail('MALFORMED', `decodeAccountBackup: 1..${ACCOUNT_BACKUP_MAX_WRAPS} wraps`);
  }
  const wraps: AccountBackupWrap[] = [];
  for (let i = 0; i < count; i++) {
    const code = reader.u8();
    const kind =
      code === KIND_CODES.password
        ? 'password'
        : code === KIND_CODES.passkey
          ? 'passkey'
          : fail('MALFORMED', `decodeAccountBackup: unknown wrap kind ${code}`);
    wraps.push({
      kind,
      factorId: reader.string(MAX_FACTOR_ID_BYTES),
      salt: reader.fixed(SALT_BYTES),
      nonce: reader.fixed(SIZES.xchachaNonce),
      ciphertext: reader.bytes(1024),
    });
  }
  reader.end();
  return wraps;
}

/**
 * The backup with `wrap` in place of any wrap for the same factor (the password has one; each
 * passkey has its own). `existing` may be null: the first backup of the account.
 */
export function withAccountBackupWrap(
  existing: Uint8Array | null,
  wrap: AccountBackupWrap,
): Uint8Array {
  const others = (existing === null ? [] : decodeAccountBackup(existing)).filter(
    (w) => !(w.kind === wrap.kind && w.factorId === wrap.factorId),
  );
  return encodeAccountBackup([...others, wrap].slice(-ACCOUNT_BACKUP_MAX_WRAPS));
}

/** Which factors can open this backup (a passkey-only account has no password wrap). */
export function accountBackupFactors(
  backup: Uint8Array,
): { kind: AccountBackupFactor['kind']; factorId: string }[] {
  return decodeAccountBackup(backup).map(({ kind, factorId }) => ({ kind, factorId }));
}

/**
 * Opens the backup with one factor. NO_MATCHING_WRAP when no wrap is for that factor (a passkey
 * the backup does not know, or a password on a passkey-only account); DECRYPT_FAILED for a wrong
 * secret or any altered byte.
 */
export function openAccountBackup(
  p: Primitives,
  options: { backup: Uint8Array; factor: AccountBackupFactor },
): AccountIdentity {
  const { factor } = options;
  const id = factorId(factor);
  const wrap = decodeAccountBackup(options.backup).find(
    (w) => w.kind === factor.kind && w.factorId === id,
  );
  if (wrap === undefined) {
    fail('NO_MATCHING_WRAP', `openAccountBackup: no wrap for this ${factor.kind}`);
  }
  const key = wrapKey(p, factor, wrap.salt);
  try {
    const secret = p.xchachaDecrypt(key, wrap.nonce, wrap.ciphertext, wrapAd(wrap));
    const account = decodeAccountSecret(p, secret);
    p.wipe(secret);
    return account;
  } finally {
    p.wipe(key);
  }
}
