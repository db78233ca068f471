// An account's signature over every record of a vault export stream (the client's history backup
// file). The file's passphrase keeps it secret but says nothing about who made it: anyone can write
// a file under a passphrase they then hand to the user, naming the user's (public) account id and
// key. Signing a digest of all records with the account key lets the importing device refuse a file
// its own account did not write, before it takes in a single contact key or message.
//
// Digest: BLAKE2b-256 over the label, then each record's frame (vault-record.ts: length-prefixed
// table, id and value), in file order. Signature: Ed25519 by the account key over the digest.
import { LABEL } from '../constants';
import { concatBytes } from '../encoding/bytes';
import type { AccountIdentity } from '../identity/account-identity';
import type { Primitives } from '../primitives/primitives';
import type { Ed25519PublicKey, Signature } from '../types';
import { encodeVaultRecord, type VaultRecord } from './vault-record';

export interface VaultRecordsDigest {
  add(record: VaultRecord): void;
  /** Ends the digest: no record may be added after. */
  digest(): Uint8Array;
}

export function vaultRecordsDigest(p: Primitives): VaultRecordsDigest {
  const hash = p.blake2bStream(32);
  hash.update(LABEL.vaultRecordsSignature);
  return {
    add: (record) => hash.update(encodeVaultRecord(record, 'vaultRecordsDigest')),
    digest: () => hash.digest(),
  };
}

export function signVaultRecords(
  p: Primitives,
  account: AccountIdentity,
  digest: Uint8Array,
): Signature {
  return p.sign(account.keyPair.secretKey, concatBytes(LABEL.vaultRecordsSignature, digest));
}

export function verifyVaultRecords(
  p: Primitives,
  accountKey: Ed25519PublicKey,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  return p.verify(accountKey, concatBytes(LABEL.vaultRecordsSignature, digest), signature);
}
