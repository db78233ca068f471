// A record of an encrypted vault export: one row of the client's database, addressed by table and
// id, with its value as the client stores it (already vault-encrypted or plain; the export file
// encrypts it again as a whole under the backup password).
//
// Frame: u16 len + table (UTF-8) | u16 len + id (UTF-8) | u32 len + value

import type { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { fail, isProtocolError } from '../errors';
import { checkRowAddress, VAULT_LIMITS } from './vault-params';

export interface VaultRecord {
  readonly table: string;
  readonly id: string;
  readonly value: Uint8Array;
}

/** Largest encoded frame: both names at their limits and the largest value. */
export const VAULT_RECORD_MAX_FRAME_BYTES =
  2 +
  VAULT_LIMITS.maxTableBytes +
  2 +
  VAULT_LIMITS.maxRowIdBytes +
  4 +
  VAULT_LIMITS.maxRecordValueBytes;

export function encodeVaultRecord(record: VaultRecord, context: string): Uint8Array {
  checkRowAddress(record, context);
  if (record.value.length > VAULT_LIMITS.maxRecordValueBytes) {
    fail('TOO_LARGE', `${context}: record value over ${VAULT_LIMITS.maxRecordValueBytes} bytes`);
  }
  return new ByteWriter(record.value.length + 16)
    .string(record.table)
    .string(record.id)
    .bytes(record.value)
    .finish();
}

/** Reads frames until the reader is exhausted; a partial frame is MALFORMED, never skipped. */
export function readVaultRecords(reader: ByteReader, out: VaultRecord[], context: string): void {
  try {
    while (reader.remaining > 0) {
      const table = reader.string(VAULT_LIMITS.maxTableBytes);
      const id = reader.string(VAULT_LIMITS.maxRowIdBytes);
      const value = reader.bytes(VAULT_LIMITS.maxRecordValueBytes);
      checkRowAddress({ table, id }, context, 'MALFORMED');
      out.push({ table, id, value });
    }
  } catch (cause) {
    // Inside an authenticated chunk a short frame is a broken writer, not a truncated file.
    if (isProtocolError(cause, 'TRUNCATED')) {
      fail('MALFORMED', `${context}: record frame runs past its chunk`, cause);
    }
    throw cause;
  }
}
