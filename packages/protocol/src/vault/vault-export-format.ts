// The encrypted backup file of a whole vault ("VEILVLT"), shared by the writer (vault-export.ts)
// and the reader (vault-import.ts).
//
// File layout:
//   7  magic "VEILVLT" | u8 version | u32 opsLimit | u32 memLimit | 16 salt     (32-byte prefix)
//   24 secretstream header
//   chunk_0, chunk_1, ..., chunk_n      crypto_secretstream_xchacha20poly1305 messages
// Key:
//   stream key = HKDF-SHA256(ikm = Argon2id13(password, salt, opsLimit, memLimit, 32),
//                            salt = the 32-byte prefix, info = LABEL.vaultExport, 32 bytes)
// Chunks (L_k = byte length of chunk_k's ciphertext, always plaintext + 17):
//   chunk_0 plaintext = u32 L_1                                  (so chunk_0 is always 21 bytes)
//   chunk_k plaintext = u32 L_{k+1} || record frames (vault-record.ts), for k >= 1
//   a chunk is tagged FINAL exactly when the length it announces is 0; an empty vault is chunk_0
//   alone, announcing 0.
//
// Why lengths travel inside the previous chunk rather than in clear-text prefixes: every length is
// then authenticated before it is used, so an altered byte anywhere after the prefix can only fail
// authentication (DECRYPT_FAILED), and a file cut anywhere is always recognised as TRUNCATED.
// The prefix itself is bound into the key by HKDF's salt; secretstream's internal counter makes a
// reordered, dropped or duplicated chunk fail authentication too.

import { LABEL, VERSION } from '../constants';
import { utf8 } from '../encoding/bytes';
import type { Argon2idParams, Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import { passwordBytes } from './vault-params';
import { VAULT_RECORD_MAX_FRAME_BYTES } from './vault-record';

export const VAULT_EXPORT_MAGIC = utf8('VEILVLT');

/** Length of the clear-text prefix bound into the key: magic, version, limits, salt. */
export const VAULT_EXPORT_PREFIX_BYTES = VAULT_EXPORT_MAGIC.length + 1 + 4 + 4 + SIZES.argon2Salt;

/** Prefix plus secretstream header: everything before chunk_0. */
export const VAULT_EXPORT_HEADER_BYTES = VAULT_EXPORT_PREFIX_BYTES + SIZES.streamHeader;

/** Records are batched into chunks of about this many plaintext bytes (64 KiB). */
export const VAULT_EXPORT_BATCH_BYTES = 64 * 1024;

/** The ciphertext length of chunk_0 (a bare u32). */
export const VAULT_EXPORT_FIRST_CHUNK_BYTES = 4 + SIZES.streamOverhead;

/** Largest chunk a reader accepts: one maximal record frame alone in its chunk. */
export const VAULT_EXPORT_MAX_CHUNK_BYTES =
  4 + Math.max(VAULT_EXPORT_BATCH_BYTES, VAULT_RECORD_MAX_FRAME_BYTES) + SIZES.streamOverhead;

/** Bytes a chunk adds around its records: the next-length field and secretstream's overhead. */
export const VAULT_EXPORT_CHUNK_OVERHEAD = 4 + SIZES.streamOverhead;

export function encodeExportPrefix(params: Argon2idParams, salt: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(VAULT_EXPORT_PREFIX_BYTES);
  const view = new DataView(prefix.buffer);
  prefix.set(VAULT_EXPORT_MAGIC, 0);
  let offset = VAULT_EXPORT_MAGIC.length;
  prefix[offset++] = VERSION.vaultExport;
  view.setUint32(offset, params.opsLimit);
  view.setUint32(offset + 4, params.memLimit);
  prefix.set(salt, offset + 8);
  return prefix;
}

export function deriveExportKey(
  p: Primitives,
  options: {
    password: string | Uint8Array;
    params: Argon2idParams;
    prefix: Uint8Array;
    salt: Uint8Array;
  },
  context: string,
): Uint8Array {
  const stretched = p.argon2id({
    password: passwordBytes(options.password, context),
    salt: options.salt,
    params: options.params,
    length: 32,
  });
  const key = p.hkdf({ ikm: stretched, salt: options.prefix, info: LABEL.vaultExport, length: 32 });
  p.wipe(stretched);
  return key;
}
