// Seals and opens row contents under the vault key. Values are serialised with CBOR (cbor-x: a
// maintained, fast encoder that keeps Uint8Array as bytes, which JSON would bloat and mangle), then
// encrypted with the protocol's row encryption, whose AD binds the table and the row id: a row copied
// to another table or id does not open.
import {
  decryptRow,
  encryptRow,
  toBase64Url,
  utf8,
  type Primitives,
  type SecretKey,
} from '@veil/protocol';
// The no-eval build: the default one probes `Function('')` when it loads, which the PWA's CSP (no
// 'unsafe-eval') refuses and reports as a violation; we never use the compiled record readers.
import { Decoder, Encoder } from 'cbor-x/index-no-eval';
import type { EncryptedTable } from './veil-database';

// Plain structures only: no records/structure sharing, so bytes are self-describing and stable.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

const BLIND_ID_LABEL = utf8('Veil_Client_BlindRowId_v1');

export class RowCodec {
  private readonly blindKey: Uint8Array;

  constructor(
    private readonly p: Primitives,
    private readonly vaultKey: SecretKey,
  ) {
    this.blindKey = p.hkdf({
      ikm: vaultKey,
      salt: new Uint8Array(0),
      info: BLIND_ID_LABEL,
      length: 32,
    });
  }

  /**
   * A row id that does not reveal its natural key (a contact's account id, say) to someone reading
   * the database without the vault key, yet is stable so rows can be looked up by that key.
   */
  blindId(table: EncryptedTable, naturalKey: string): string {
    return toBase64Url(
      this.p.hmacSha256(this.blindKey, utf8(`${table}\u0000${naturalKey}`)).subarray(0, 16),
    );
  }

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
