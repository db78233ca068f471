// The one Database interface Kysely types every query with. Times are milliseconds since the epoch;
// byte columns are Uint8Array (SQLite BLOB). What each column may reveal is checked by
// `veil-relay audit` against its allowlist: nothing here names who wrote to whom.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Bytes = Uint8Array;

export interface AccountsTable {
  id: Generated<number>;
  /** Lower-case, unique; also the protocol's account id. */
  username: string;
  /** Random WebAuthn user handle (16 bytes); null for accounts older than migration 0003. */
  webauthn_user_id: Bytes | null;
  /** The account's Ed25519 identity public key, once a device has published it. */
  account_key: Bytes | null;
  status: ColumnType<
    'active' | 'disabled',
    'active' | 'disabled' | undefined,
    'active' | 'disabled'
  >;
  created_at: number;
  failed_logins: ColumnType<number, number | undefined, number>;
  locked_until: number | null;
  /** TOTP seed sealed with the relay key; active only when totp_enabled = 1. */
  totp_secret: Bytes | null;
  totp_enabled: ColumnType<number, number | undefined, number>;
  /** Highest TOTP time step accepted, so each code works once. */
  totp_last_step: number | null;
  /** Account-key backup, encrypted by the client under its OPAQUE export key. */
  key_backup: Bytes | null;
  key_backup_version: ColumnType<number, number | undefined, number>;
}

/** The account's password, as OPAQUE knows it; passkey-only accounts have no row. */
export interface PasswordRecordsTable {
  account_id: number;
  /** OPAQUE registration record (a password verifier that resists offline guessing without the server key). */
  opaque_record: string;
  updated_at: number;
}

export interface RecoveryCodesTable {
  id: Generated<number>;
  account_id: number;
  /** SHA-256 of the normalised code (codes are 80-bit random, so a fast hash suffices). */
  code_hash: Bytes;
  used_at: number | null;
}

export interface PasskeysTable {
  /** Credential id, base64url. */
  id: string;
  account_id: number;
  public_key: Bytes;
  counter: number;
  transports: string | null;
  name: string;
  backed_up: number;
  created_at: number;
  last_used_at: number | null;
}

export interface WebauthnChallengesTable {
  id: string;
  account_id: number | null;
  purpose: 'register' | 'signup' | 'login' | 'reauth';
  challenge: string;
  expires_at: number;
  /** Signup only: the username and user handle the new account will get. */
  username: string | null;
  user_handle: Bytes | null;
}

export interface OpaqueLoginsTable {
  id: string;
  username: string;
  /** Sealed with the relay key: OPAQUE's server login state between the two login messages. */
  server_state: Bytes;
  expires_at: number;
}

export interface PendingLoginsTable {
  /** SHA-256 of the token handed to the client between password and second factor. */
  token_hash: Bytes;
  account_id: number;
  attempts: ColumnType<number, number | undefined, number>;
  expires_at: number;
}

export interface SessionsTable {
  id: Generated<number>;
  /** SHA-256 of the 256-bit session token; the token itself is never stored. */
  token_hash: Bytes;
  account_id: number;
  device_id: number | null;
  auth_method: string;
  /** A coarse label of the browser ("Chrome on Linux") for the session list. */
  label: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface InvitesTable {
  id: Generated<number>;
  code_hash: Bytes;
  created_at: number;
  expires_at: number;
  max_uses: number;
  uses: ColumnType<number, number | undefined, number>;
}

export interface ActivityLogTable {
  id: Generated<number>;
  account_id: number;
  at: number;
  /** sign-in, sign-in-failed, locked, totp-enabled, passkey-added, device-added, ... */
  kind: string;
  /** Short, fixed-vocabulary detail (the method, the device id); never message data. */
  detail: string | null;
}

export interface DevicesTable {
  account_id: number;
  device_id: number;
  identity_key: Bytes;
  signing_key: Bytes;
  /** The device certificate (signed by the account key), as the protocol encodes it. */
  certificate: Bytes;
  created_at: number;
  last_seen_at: number | null;
}

export interface DeviceListsTable {
  account_id: number;
  counter: number;
  /** The signed device list, as the protocol encodes it. */
  list: Bytes;
  updated_at: number;
}

export interface SignedPrekeysTable {
  account_id: number;
  device_id: number;
  prekey_id: number;
  body: Bytes;
  created_at: number;
}

export interface OneTimePrekeysTable {
  account_id: number;
  device_id: number;
  kind: 'x25519' | 'mlkem';
  prekey_id: number;
  body: Bytes;
}

export interface LastResortPrekeysTable {
  account_id: number;
  device_id: number;
  prekey_id: number;
  body: Bytes;
}

export interface EnvelopesTable {
  id: Generated<number>;
  /** SHA-256 of the sender's random client id, for idempotent retries; says nothing about the sender. */
  client_id_hash: Bytes;
  body: Bytes;
  created_at: number;
  expires_at: number;
}

export interface DeliveriesTable {
  account_id: number;
  device_id: number;
  /** Per-device monotonic sequence. */
  seq: number;
  envelope_id: number;
  /** For multi-recipient envelopes: this device's 48-byte sealed key record. */
  key_record: Bytes | null;
}

export interface MailboxHeadsTable {
  account_id: number;
  device_id: number;
  /** The next sequence number to assign; never decreases, even as deliveries are deleted. */
  next_seq: number;
}

export interface SubmissionsTable {
  /** SHA-256 of the sender's client id: a retry with the same id is answered, not stored again. */
  client_id_hash: Bytes;
  /** SHA-256 over what was submitted, so a reused id with other content is refused. */
  digest: Bytes;
  deliveries: number;
  expires_at: number;
}

export interface BlobsTable {
  /** Random id, base64url. */
  id: string;
  /** The uploader, for quotas; downloads are by id (a capability) and not recorded. */
  account_id: number;
  size: number;
  received: ColumnType<number, number | undefined, number>;
  complete: ColumnType<number, number | undefined, number>;
  created_at: number;
  expires_at: number;
}

/** One row (id 1): moves on every change to accounts, devices and device lists (migration 0004). */
export interface DirectoryVersionTable {
  id: number;
  version: number;
}

export interface Database {
  accounts: AccountsTable;
  password_records: PasswordRecordsTable;
  recovery_codes: RecoveryCodesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  opaque_logins: OpaqueLoginsTable;
  pending_logins: PendingLoginsTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  activity_log: ActivityLogTable;
  devices: DevicesTable;
  device_lists: DeviceListsTable;
  signed_prekeys: SignedPrekeysTable;
  one_time_prekeys: OneTimePrekeysTable;
  last_resort_prekeys: LastResortPrekeysTable;
  envelopes: EnvelopesTable;
  deliveries: DeliveriesTable;
  mailbox_heads: MailboxHeadsTable;
  blobs: BlobsTable;
  submissions: SubmissionsTable;
  directory_version: DirectoryVersionTable;
}

export type Account = Selectable<AccountsTable>;
export type NewAccount = Insertable<AccountsTable>;
export type AccountUpdate = Updateable<AccountsTable>;
export type Session = Selectable<SessionsTable>;
