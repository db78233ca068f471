// @veil/protocol: the public surface. Everything a client, a test or a benchmark needs is exported
// from here; internal modules stay private to the package.

export * from './errors';
export * from './types';
export * from './constants';
export { SIZES } from './primitives/sizes';
export { createPrimitives } from './primitives/primitives';
export type {
  Primitives,
  Argon2idParams,
  KemEncapsulation,
  StreamPusher,
  StreamPuller,
} from './primitives/primitives';
export { loadPrimitives, loadSodium } from './primitives/load';
export type { SodiumApi } from './primitives/sodium-api';
export * from './encoding/bytes';
export { ByteReader } from './encoding/byte-reader';
export { ByteWriter } from './encoding/byte-writer';

// Identities and prekeys
export * from './identity/account-identity';
export * from './identity/device-keys';
export * from './identity/device-certificate';
export * from './identity/device-list';
export * from './identity/account-backup';
export * from './identity/device-link';
export * from './identity/prekeys';
export * from './identity/prekey-bundle';

// Sessions: PQXDH and the Double Ratchet
export * from './session/ratchet-state';
export * from './session/ratchet-message';
export { ratchetEncrypt, ratchetDecrypt } from './session/ratchet';
export * from './session/session-start';
export * from './session/pqxdh';
export * from './session/session-record';
export * from './session/session-record-cipher';

// Sealed envelopes
export * from './envelope/padding';
export * from './envelope/envelope-payload';
export { sealEnvelope, openEnvelope, SEALED_OVERHEAD } from './envelope/sealed-envelope';
export * from './envelope/multi-sealed-envelope';

// Vault: local encryption at rest, backups
export {
  VAULT_ARGON2ID_DEFAULT,
  VAULT_ARGON2ID_MIN,
  VAULT_ARGON2ID_MAX,
  VAULT_LIMITS,
} from './vault/vault-params';
export * from './vault/vault-key';
export * from './vault/vault-row';
export type { VaultRecord } from './vault/vault-record';
export * from './vault/vault-export';
export * from './vault/vault-import';
export * from './vault/vault-records-signature';
export {
  VAULT_EXPORT_FIRST_CHUNK_BYTES,
  VAULT_EXPORT_HEADER_BYTES,
  VAULT_EXPORT_MAGIC,
} from './vault/vault-export-format';

// Attachments
export * from './attachment/attachment-layout';
export * from './attachment/attachment-encryptor';
export * from './attachment/attachment-decryptor';
export * from './attachment/attachment-pointer';

// Safety numbers
export * from './safety-number/safety-number';
export * from './safety-number/safety-number-qr';
export { SAFETY_NUMBER_KEY_TYPE_ED25519 } from './safety-number/party-fingerprint';

// Content records (what a decrypted message says)
export * from './content/content-record';
export * from './content/sync-record';

// Groups: sender keys and admin-signed operations
export * from './group/group-types';
export * from './group/group-message';
export * from './group/sender-key';
export * from './group/sender-key-encoding';
export * from './group/group-operation';
export * from './group/group-state';
export * from './group/group-state-encoding';
export * from './group/group-invite';
