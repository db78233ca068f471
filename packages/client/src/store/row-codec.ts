// Seals and opens row contents under the vault key. Values are serialised with CBOR (cbor-x: a
// maintained, fast encoder that keeps Uint8Array as bytes, which JSON would bloat and mangle), then
// encrypted with the protocol's row encryption, whose AD binds the table and the row id: a row copied
// to another table or id does not open.
import { decryptRow, encryptRow, type Primitives, type SecretKey } from '@veil/protocol';
import { Decoder, Encoder } from 'cbor-x';
import type { EncryptedTable } from './veil-database';

// Plain structures only: no records/structure sharing, so bytes are self-describing and stable.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export class RowCodec {
  constructor(
    private readonly p: Primitives,
    private readonly vaultKey: SecretKey,
  ) {}

  seal(table: EncryptedTable, id: string, value: unknown): Uint8Array {
    const plaintext = encoder.encode(value) as Uint8Array;
    return encryptRow(this.p, { vaultKey: this.vaultKey, table, rowId: id, plaintext });
  }

  /** The decoded value; the caller knows the table's row type. */
  open(table: EncryptedTable, id: string, body: Uint8Array): unknown {
    const plaintext = decryptRow(this.p, {
      vaultKey: this.vaultKey,
      table,
      rowId: id,
      ciphertext: body,
    });
    return decoder.decode(plaintext) as unknown;
  }
}
