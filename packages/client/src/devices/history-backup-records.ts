// The records of a history backup file: what one device of an account writes so another device of
// the same account can take it in (history-backup-export.ts, history-backup-import.ts). The file is
// the protocol's streaming VEILVLT container (protocol.md §9: Argon2id from the passphrase, then
// secretstream in 64 KiB chunks), whose records are (table, id, value) triples; here each value is
// CBOR. The first record is always the manifest naming the account, so a file of another account is
// refused before anything else is read.
//
//   manifest / "account"   { version: 2, accountId, accountKey, createdAt }
//   settings / "account"   { typingIndicators, readReceipts, changedAt, deviceId }
//   contact  / <peer>      { accountKey, blocked, muted, verified }
//   group    / <group id>  GroupBundle: signed operation log and sender-key chains (exportGroup)
//   state    / "account"   AccountState (account-state.ts): our profile, group mutes, disappearing
//                          timers, an admin's invite secrets and pending join requests (version 2)
//   message  / <hex id>    ChatMessage (1:1, or with `group` set; group timeline rows left out)
//   seal     / "account"   Ed25519 signature by the account key over every record before it
//                          (protocol vault-records-signature.ts), raw bytes, always last
// Records come in that order, so contacts and groups exist before their messages are stored. The
// seal is what makes a file the account's own: the passphrase only keeps it secret, and anyone can
// write a file naming our public account id and key under a passphrase they give us.
// Version 2 added the `state` record. A version-1 reader refuses a version-2 file (NOT_A_BACKUP)
// rather than restore it without the disappearing timers, so no message is sent from a restored
// device without its conversation's timer; this reader takes both (a `state` record in a
// version-1 file is not read).
import { Decoder, Encoder } from 'cbor-x/index-no-eval';

/** The history backup's own format version (inside the manifest); an unknown one is refused. */
export const HISTORY_BACKUP_VERSION = 2;

/** Versions this reader takes: files written before the `state` record, and the current one. */
export const READABLE_BACKUP_VERSIONS: readonly number[] = [1, HISTORY_BACKUP_VERSION];

export const BACKUP_TABLE = {
  manifest: 'manifest',
  settings: 'settings',
  contact: 'contact',
  group: 'group',
  state: 'state',
  message: 'message',
  seal: 'seal',
} as const;

export interface BackupManifest {
  readonly version: number;
  readonly accountId: string;
  readonly accountKey: Uint8Array;
  readonly createdAt: number;
}

export interface BackupContact {
  readonly accountKey: Uint8Array;
  readonly blocked: boolean;
  readonly muted: boolean;
  readonly verified: boolean;
}

// As the store's rows: plain structures, Uint8Array kept as bytes (attachment pointers hold keys).
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

/** Copied: the encoder reuses its buffer for the next value. */
export const encodeBackupValue = (value: unknown): Uint8Array =>
  new Uint8Array(encoder.encode(value));

export const decodeBackupValue = (bytes: Uint8Array): unknown => decoder.decode(bytes);

export type HistoryBackupErrorCode =
  /** Not a Veil history backup (another file, a whole-device backup, an unknown version). */
  | 'NOT_A_BACKUP'
  /** The passphrase does not open the file (or its first bytes were altered). */
  | 'WRONG_PASSPHRASE'
  /** A backup of another account: its history does not belong on this one. */
  | 'OTHER_ACCOUNT'
  /** The file opens but was altered or cut after its start. */
  | 'TAMPERED';

export class HistoryBackupError extends Error {
  constructor(
    readonly code: HistoryBackupErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HistoryBackupError';
  }
}
