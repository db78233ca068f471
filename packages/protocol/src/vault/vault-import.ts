// Reads an encrypted vault backup file (format in vault-export-format.ts), from one buffer or from
// pieces of any size. Memory is bounded by one chunk plus the caller's current piece.
//
// Errors: UNKNOWN_VERSION (not a VEILVLT file, or another version), WEAK_PARAMETERS / TOO_LARGE
// (Argon2id limits outside the accepted range, checked before hashing), DECRYPT_FAILED (wrong
// password, any altered byte, reordered or dropped chunks), TRUNCATED (the file ends before its
// FINAL chunk), MALFORMED (bytes after the FINAL chunk, or an inconsistent chunk).

import { VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { equalBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { Primitives, StreamPuller } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import { ByteQueue } from '../attachment/byte-queue';
import {
  deriveExportKey,
  VAULT_EXPORT_FIRST_CHUNK_BYTES,
  VAULT_EXPORT_HEADER_BYTES,
  VAULT_EXPORT_MAGIC,
  VAULT_EXPORT_MAX_CHUNK_BYTES,
  VAULT_EXPORT_PREFIX_BYTES,
} from './vault-export-format';
import { checkArgon2idParams } from './vault-params';
import { readVaultRecords, type VaultRecord } from './vault-record';

export interface VaultImportReader {
  /** Feeds file bytes of any length; returns the records completed so far (authenticated). */
  push(bytes: Uint8Array): VaultRecord[];
  /** TRUNCATED unless the FINAL chunk has been read. */
  finish(): void;
}

const MAGIC_AND_VERSION = VAULT_EXPORT_MAGIC.length + 1;
/** Header bytes after magic and version: limits, salt, secretstream header. */
const HEADER_REST = VAULT_EXPORT_HEADER_BYTES - MAGIC_AND_VERSION;

/**
 * The key a reader derived, kept for a second reader of the same file with the same password (a
 * restore that checks the whole file before storing anything reads it twice): Argon2id, the
 * slowest and most memory-hungry step, then runs once. Reused only when the file's prefix (limits
 * and salt) and the password are the same; `wipe` when done.
 */
export interface VaultKeyMemo {
  wipe(): void;
}

interface MemoSlot extends VaultKeyMemo {
  held?: { password: string | Uint8Array; prefix: Uint8Array; key: Uint8Array };
}

export function vaultKeyMemo(p: Primitives): VaultKeyMemo {
  const slot: MemoSlot = {
    wipe() {
      if (slot.held !== undefined) p.wipe(slot.held.key);
      delete slot.held;
    },
  };
  return slot;
}

const samePassword = (a: string | Uint8Array, b: string | Uint8Array): boolean =>
  // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: equalBytes compares two strings index by index just as ===, and a string never equals bytes either way; the typeof test only narrows the type
  typeof a === 'string' || typeof b === 'string' ? a === b : equalBytes(a, b);

function createReader(
  p: Primitives,
  password: string | Uint8Array,
  context: string,
  memo?: VaultKeyMemo,
) {
  const slot = memo as MemoSlot | undefined;
  const queue = new ByteQueue();
  let magic: Uint8Array | undefined;
  let puller: StreamPuller | undefined;
  let expected = VAULT_EXPORT_FIRST_CHUNK_BYTES;
  // Stryker disable next-line BooleanLiteral: chunk_0 is read at its fixed 21 bytes, so its plaintext is the bare u32 and reading it as records finds none (see reader.end() below)
  let isFirstChunk = true;
  let done = false;
  let closed = false;

  const readMagic = (): void => {
    // Stryker disable next-line MethodExpression: the copy only lets the first piece be freed; queued pieces are never written
    magic = queue.take(MAGIC_AND_VERSION).slice();
    if (!equalBytes(magic.subarray(0, VAULT_EXPORT_MAGIC.length), VAULT_EXPORT_MAGIC)) {
      fail('UNKNOWN_VERSION', `${context}: not a Veil vault export`);
    }
    const version = magic[VAULT_EXPORT_MAGIC.length]!;
    if (version !== VERSION.vaultExport) {
      fail('UNKNOWN_VERSION', `${context}: unknown version ${version}`);
    }
  };

  const readHeader = (first: Uint8Array): void => {
    const rest = queue.take(HEADER_REST);
    const reader = new ByteReader(rest, context);
    const params = { opsLimit: reader.u32(), memLimit: reader.u32() };
    checkArgon2idParams(params, context);
    const salt = reader.fixed(SIZES.argon2Salt);
    const streamHeader = reader.fixed(SIZES.streamHeader);
    const prefix = new Uint8Array(VAULT_EXPORT_PREFIX_BYTES);
    prefix.set(first, 0);
    prefix.set(rest.subarray(0, VAULT_EXPORT_PREFIX_BYTES - MAGIC_AND_VERSION), MAGIC_AND_VERSION);
    const held = slot?.held;
    if (
      held !== undefined &&
      samePassword(held.password, password) &&
      equalBytes(held.prefix, prefix)
    ) {
      puller = p.streamPull(held.key, streamHeader);
      return;
    }
    const key = deriveExportKey(p, { password, params, prefix, salt }, context);
    puller = p.streamPull(key, streamHeader);
    if (slot === undefined) p.wipe(key);
    else {
      slot.wipe();
      slot.held = { password, prefix, key };
    }
  };

  const readChunk = (stream: StreamPuller, out: VaultRecord[]): void => {
    const { plaintext, final } = stream.pull(queue.take(expected));
    const reader = new ByteReader(plaintext, context);
    const next = reader.u32();
    // Stryker disable next-line ConditionalExpression: a check that cannot fail (chunk_0's plaintext is exactly the u32, its ciphertext length being fixed); kept so a format change cannot let records slip into chunk_0 unread
    if (isFirstChunk) reader.end();
    else readVaultRecords(reader, out, context);
    isFirstChunk = false;
    if (final !== (next === 0)) fail('MALFORMED', `${context}: FINAL tag and length disagree`);
    if (final) {
      done = true;
      return;
    }
    if (next < VAULT_EXPORT_FIRST_CHUNK_BYTES) fail('MALFORMED', `${context}: chunk too short`);
    if (next > VAULT_EXPORT_MAX_CHUNK_BYTES) fail('TOO_LARGE', `${context}: chunk too large`);
    expected = next;
  };

  const guard = <T>(fn: () => T): T => {
    if (closed) fail('INVALID_ARGUMENT', `${context}: already finished or failed`);
    try {
      return fn();
    } catch (error) {
      closed = true;
      throw error;
    }
  };

  return {
    /** `view`: the caller drops this reader before returning, so the input need not be copied. */
    push(bytes: Uint8Array, view = false): VaultRecord[] {
      return guard(() => {
        // Stryker disable next-line ConditionalExpression: the check after the chunk loop refuses the same bytes with the same code and message; this one only spares queueing them
        if (done && bytes.length > 0) fail('MALFORMED', `${context}: data after the final chunk`);
        // Stryker disable next-line ConditionalExpression: copying instead of viewing changes no result, only memory (the other way round is killed: vault-file-edges.test.ts)
        if (view) queue.pushView(bytes);
        else queue.push(bytes);
        const out: VaultRecord[] = [];
        if (magic === undefined && queue.length >= MAGIC_AND_VERSION) readMagic();
        if (
          // Stryker disable next-line ConditionalExpression: magic is read whenever 8 bytes are queued, so HEADER_REST (48) queued bytes imply it; the test only narrows the type
          magic !== undefined &&
          puller === undefined &&
          queue.length >= HEADER_REST
        ) {
          readHeader(magic);
        }
        while (puller !== undefined && !done && queue.length >= expected) readChunk(puller, out);
        if (done && queue.length > 0) fail('MALFORMED', `${context}: data after the final chunk`);
        return out;
      });
    },
    finish(): void {
      guard(() => {
        closed = true;
        if (!done) fail('TRUNCATED', `${context}: the file ends before its final chunk`);
      });
    },
  };
}

export function createVaultImportReader(
  p: Primitives,
  options: { password: string | Uint8Array; memo?: VaultKeyMemo },
): VaultImportReader {
  const reader = createReader(p, options.password, 'vaultImportReader', options.memo);
  return { push: (bytes) => reader.push(bytes), finish: () => reader.finish() };
}

/** Every record of a backup file held in one buffer. */
export function importVault(
  p: Primitives,
  options: { password: string | Uint8Array; data: Uint8Array },
): VaultRecord[] {
  const reader = createReader(p, options.password, 'importVault');
  // Stryker disable next-line BooleanLiteral: copying the caller's buffer instead of viewing it changes no result, only memory
  const records = reader.push(options.data, true);
  reader.finish();
  return records;
}

/**
 * Records as the file streams in. Each yielded record is authentic, but the file is complete only
 * when iteration ends without an error: a caller must not commit an import that threw (TRUNCATED).
 */
export async function* importVaultStream(
  p: Primitives,
  options: {
    password: string | Uint8Array;
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  },
): AsyncGenerator<VaultRecord> {
  const reader = createVaultImportReader(p, options);
  for await (const piece of options.source) yield* reader.push(piece);
  reader.finish();
}
