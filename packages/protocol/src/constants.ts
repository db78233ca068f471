// Every domain-separation label, format version and protocol limit, in one place. A label is never
// reused for two purposes; changing one is a protocol version change (see docs/protocol.md).

import { utf8 } from './encoding/bytes';

/** Version bytes: the first byte of every serialized structure. */
export const VERSION = {
  deviceCertificate: 1,
  deviceList: 1,
  prekeyBundle: 1,
  signedPrekey: 1,
  ratchetMessage: 1,
  sessionStart: 1,
  ratchetState: 1,
  sessionRecord: 1,
  sealedEnvelope: 1,
  multiSealedEnvelope: 1,
  envelopePayload: 1,
  senderKeyDistribution: 1,
  groupMessage: 1,
  groupOperation: 1,
  /** 2 adds the invite-link key; version 1 rows (no link) still read. */
  groupState: 2,
  groupInvite: 1,
  senderKeyState: 1,
  safetyNumber: 0,
  safetyNumberQr: 1,
  vaultWrap: 1,
  vaultRow: 1,
  vaultExport: 1,
  attachmentPointer: 1,
  content: 1,
  accountBackup: 1,
  accountBackupSecret: 1,
  deviceLinkOffer: 1,
  deviceLinkMessage: 1,
  deviceLinkPayload: 1,
  syncRecord: 1,
} as const;

/** Labels for HKDF info strings and signature contexts. ASCII, prefixed "Veil_", never reused. */
export const LABEL = {
  deviceCertificate: utf8('Veil_DeviceCertificate_v1'),
  deviceList: utf8('Veil_DeviceList_v1'),
  signedPrekey: utf8('Veil_SignedPrekey_X25519_v1'),
  pqPrekey: utf8('Veil_SignedPrekey_MLKEM768_v1'),
  pqxdh: utf8('Veil_PQXDH_CURVE25519_SHA-256_ML-KEM-768'),
  sessionAd: utf8('Veil_SessionAD_v1'),
  rootKdf: utf8('Veil_RootKey_v1'),
  messageKeys: utf8('Veil_MessageKeys_v1'),
  sealedEnvelope: utf8('Veil_SealedEnvelope_v1'),
  multiSealedKey: utf8('Veil_MultiSealedKey_v1'),
  multiSealedBody: utf8('Veil_MultiSealedBody_v1'),
  senderKeyMessage: utf8('Veil_SenderKeyMessage_v1'),
  senderKeySignature: utf8('Veil_SenderKeySignature_v1'),
  groupOperation: utf8('Veil_GroupOperation_v1'),
  groupStateHash: utf8('Veil_GroupStateHash_v1'),
  groupInviteKey: utf8('Veil_GroupInviteKey_v1'),
  groupJoinRequest: utf8('Veil_GroupJoinRequest_v1'),
  vaultPasswordWrap: utf8('Veil_VaultWrap_Password_v1'),
  vaultSecretWrap: utf8('Veil_VaultWrap_Secret_v1'),
  vaultRow: utf8('Veil_VaultRow_v1'),
  vaultExport: utf8('Veil_VaultExport_v1'),
  vaultRecordsSignature: utf8('Veil_VaultRecordsSignature_v1'),
  attachment: utf8('Veil_Attachment_v1'),
  accountBackupExportKey: utf8('Veil_AccountBackup_ExportKey_v1'),
  accountBackupPasskeyPrf: utf8('Veil_AccountBackup_PasskeyPrf_v1'),
  deviceLinkKeys: utf8('Veil_DeviceLink_Keys_v1'),
  deviceLinkMessage: utf8('Veil_DeviceLink_Message_v1'),
} as const;

/** Chain KDF inputs (Signal's Double Ratchet recommendation: HMAC with constant 0x01 / 0x02). */
export const CHAIN_MESSAGE_KEY_SEED = Uint8Array.of(0x01);
export const CHAIN_NEXT_KEY_SEED = Uint8Array.of(0x02);

export const LIMITS = {
  /** Most message keys a single chain may skip ahead (Double Ratchet MAX_SKIP). */
  maxSkip: 1000,
  /** Most skipped message keys kept per session; the oldest are evicted first. */
  maxStoredSkippedKeys: 2000,
  /**
   * Previous sessions kept per remote device besides the current one (Signal keeps 40; a handful
   * covers simultaneous starts and a reinstall or two while bounding what each row holds).
   */
  maxArchivedSessions: 5,
  /** Longest account id, in UTF-8 bytes. */
  maxAccountIdBytes: 64,
  /** Longest device name, in UTF-8 bytes. */
  maxDeviceNameBytes: 64,
  /** Most devices one account may list. */
  maxDevices: 32,
  /** Largest plaintext inside a ratchet message or sealed envelope. */
  maxMessageBytes: 256 * 1024,
  /** Most members in one group. */
  maxGroupMembers: 1000,
  /** Most admins an invite link names (whom a requester asks); more would only lengthen the URL. */
  maxInviteAdmins: 8,
  /** Longest group name, in UTF-8 bytes. */
  maxGroupNameBytes: 256,
  /** Safety-number iterations (Signal: 5200). */
  safetyNumberIterations: 5200,
} as const;
