// Writes the encrypted backup file of a whole vault (format in vault-export-format.ts). Records are
// batched into ~64 KiB chunks; because each chunk announces the length of the next, the writer
// holds back one closed batch until the following one is known, so memory stays at two batches
// however large the vault is.

import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { Argon2idParams, Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import {
  deriveExportKey,
  encodeExportPrefix,
  VAULT_EXPORT_BATCH_BYTES,
  VAULT_EXPORT_CHUNK_OVERHEAD,
} from './vault-export-format';
import { checkArgon2idParams, VAULT_ARGON2ID_DEFAULT } from './vault-params';
import { encodeVaultRecord, type VaultRecord } from './vault-record';

export interface VaultExportWriter {
  /** Adds one record; returns the file bytes that became ready (the header first), possibly none. */
  push(record: VaultRecord): Uint8Array[];
  /** Ends the file; returns its last bytes (ending with the FINAL chunk). */
  finish(): Uint8Array[];
}

export interface VaultExportOptions {
  readonly password: string | Uint8Array;
  /** Argon2id limits; VAULT_ARGON2ID_DEFAULT unless given, never below INTERACTIVE. */
  readonly params?: Argon2idParams;
}

export function createVaultExportWriter(
  p: Primitives,
  options: VaultExportOptions,
): VaultExportWriter {
  return createWriter(p, options, 'vaultExportWriter');
}

function createWriter(
  p: Primitives,
  options: VaultExportOptions,
  context: string,
): VaultExportWriter {
  const params = options.params ?? VAULT_ARGON2ID_DEFAULT;
  checkArgon2idParams(params, context);
  const salt = p.randomBytes(SIZES.argon2Salt);
  const prefix = encodeExportPrefix(params, salt);
  const key = deriveExportKey(p, { password: options.password, params, prefix, salt }, context);
  const { header, pusher } = p.streamPush(key);
  p.wipe(key);

  let started = false;
  let closed = false;
  let firstChunkSent = false;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  /** Records of the last closed batch: sealed once the next chunk's length is known. */
  let pending: Uint8Array | undefined;

  const seal = (records: Uint8Array, nextLength: number): Uint8Array => {
    const plaintext = new ByteWriter(4 + records.length).u32(nextLength).rest(records).finish();
    return pusher.push(plaintext, nextLength === 0);
  };
  const begin = (out: Uint8Array[]): void => {
    if (closed) fail('INVALID_ARGUMENT', `${context}: already finished or failed`);
    if (!started) out.push(prefix, header);
    started = true;
  };
  const closeBatch = (out: Uint8Array[]): void => {
    if (batchBytes === 0) return;
    const records = concatBytes(...batch);
    batch = [];
    batchBytes = 0;
    const length = records.length + VAULT_EXPORT_CHUNK_OVERHEAD;
    out.push(seal(firstChunkSent ? pending! : new Uint8Array(0), length));
    firstChunkSent = true;
    pending = records;
  };

  return {
    push(record) {
      // Encoded first: a refused record must not swallow the header that begin() emits.
      const frame = encodeVaultRecord(record, `${context}.push`);
      const out: Uint8Array[] = [];
      begin(out);
      if (
        // Stryker disable next-line ConditionalExpression,EqualityOperator: closeBatch returns at once on an empty batch; this test only spares the call
        batchBytes > 0 &&
        batchBytes + frame.length > VAULT_EXPORT_BATCH_BYTES
      ) {
        closeBatch(out);
      }
      batch.push(frame);
      batchBytes += frame.length;
      return out;
    },
    finish() {
      const out: Uint8Array[] = [];
      begin(out);
      closed = true;
      closeBatch(out);
      out.push(seal(firstChunkSent ? pending! : new Uint8Array(0), 0));
      pending = undefined;
      return out;
    },
  };
}

/** The whole backup file in one buffer. */
export function exportVault(
  p: Primitives,
  options: VaultExportOptions & { records: Iterable<VaultRecord> },
): Uint8Array {
  const writer = createWriter(p, options, 'exportVault');
  const pieces: Uint8Array[] = [];
  for (const record of options.records) pieces.push(...writer.push(record));
  pieces.push(...writer.finish());
  return concatBytes(...pieces);
}

/** The backup file as a stream of pieces, reading records as it goes (e.g. a Dexie cursor). */
export async function* exportVaultStream(
  p: Primitives,
  options: VaultExportOptions & { records: AsyncIterable<VaultRecord> | Iterable<VaultRecord> },
): AsyncGenerator<Uint8Array> {
  const writer = createWriter(p, options, 'exportVaultStream');
  for await (const record of options.records) yield* writer.push(record);
  yield* writer.finish();
}
