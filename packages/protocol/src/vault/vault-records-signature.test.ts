// The account's signature over a history backup's records: the digest is the documented BLAKE2b
// over the label and every record frame in file order (recomputed here with libsodium directly),
// and the signature binds it to the account key, so an added, dropped, reordered or edited record,
// or a file signed by another account, is refused.

import { beforeAll, describe, expect, test } from 'vitest';
import { LABEL } from '../constants';
import { concatBytes, utf8 } from '../encoding/bytes';
import { createAccountIdentity, type AccountIdentity } from '../identity/account-identity';
import { loadSodium } from '../primitives/load';
import { createPrimitives, type Primitives } from '../primitives/primitives';
import { encodeVaultRecord, type VaultRecord } from './vault-record';
import {
  signVaultRecords,
  vaultRecordsDigest,
  verifyVaultRecords,
} from './vault-records-signature';

let p: Primitives;
let sodium: Awaited<ReturnType<typeof loadSodium>>;
let alice: AccountIdentity;
let mallory: AccountIdentity;
beforeAll(async () => {
  sodium = await loadSodium();
  p = createPrimitives(sodium);
  alice = createAccountIdentity(p, 'alice');
  mallory = createAccountIdentity(p, 'mallory');
});

const records: VaultRecord[] = [
  { table: 'contacts', id: 'bob', value: utf8('bob key') },
  { table: 'messages', id: 'm1', value: utf8('hello') },
  { table: 'messages', id: 'm2', value: new Uint8Array(0) },
];

function digestOf(list: readonly VaultRecord[]): Uint8Array {
  const digest = vaultRecordsDigest(p);
  for (const record of list) digest.add(record);
  return digest.digest();
}

describe('vault records signature', () => {
  test('the digest is BLAKE2b-256 over the label and each record frame, in file order', () => {
    const frames = records.map((r) => encodeVaultRecord(r, 'test'));
    const expected = sodium.crypto_generichash(
      32,
      concatBytes(LABEL.vaultRecordsSignature, ...frames),
      null,
    );
    expect(digestOf(records)).toEqual(expected);
    // No records at all still digests the label, so an empty history is signed too.
    expect(digestOf([])).toEqual(sodium.crypto_generichash(32, LABEL.vaultRecordsSignature, null));
  });

  test("the account's signature verifies; any other record list or key does not", () => {
    const digest = digestOf(records);
    const signature = signVaultRecords(p, alice, digest);
    // Signed over the label and the digest, never the bare digest.
    expect(
      sodium.crypto_sign_verify_detached(
        signature,
        concatBytes(LABEL.vaultRecordsSignature, digest),
        alice.keyPair.publicKey,
      ),
    ).toBe(true);
    expect(verifyVaultRecords(p, alice.keyPair.publicKey, digest, signature)).toBe(true);

    const edited = [records[0]!, { ...records[1]!, value: utf8('hellO') }, records[2]!];
    const others = [
      records.slice(0, 2), // a record dropped
      [...records, records[2]!], // a record added
      [records[1]!, records[0]!, records[2]!], // reordered
      edited,
    ];
    for (const list of others) {
      expect(verifyVaultRecords(p, alice.keyPair.publicKey, digestOf(list), signature)).toBe(false);
    }
    expect(verifyVaultRecords(p, mallory.keyPair.publicKey, digest, signature)).toBe(false);
    const forged = signVaultRecords(p, mallory, digest);
    expect(verifyVaultRecords(p, alice.keyPair.publicKey, digest, forged)).toBe(false);
  });

  test('a record that cannot be framed is refused by the digest, naming it', () => {
    const digest = vaultRecordsDigest(p);
    expect(() => digest.add({ table: '', id: 'x', value: new Uint8Array(1) })).toThrow(
      /^vaultRecordsDigest:/,
    );
  });
});
