// What every column of the relay's database may hold, as `veil-relay audit` checks it: the class
// of its content and, for readable metadata, what a thief holding the database learns from it.
// A table or column missing here fails the audit, so adding one to a migration means deciding, in
// review, what it gives away. Keep the notes short: they are printed next to each column.

export const COLUMN_CLASSES = {
  /** Encrypted by a client under keys the relay never has. */
  ciphertext: 'ciphertext',
  /** Encrypted by the relay under the key in relay.key (kept outside the database). */
  sealed: 'sealed-by-relay-key',
  /** A SHA-256 digest of a high-entropy secret (a token or code), not reversible by guessing. */
  hash: 'hash',
  /** Public keys and signed public-key structures: public by design. */
  publicKey: 'public-key',
  /** OPAQUE's password verifier: no offline guessing without the relay's OPAQUE setup. */
  passwordVerifier: 'password-verifier',
  /** A random identifier or one-time challenge: reveals nothing but its own existence. */
  randomId: 'random-id',
  /** Readable as is: the note says what it reveals. */
  metadata: 'readable-metadata',
} as const;

export type ColumnClass = (typeof COLUMN_CLASSES)[keyof typeof COLUMN_CLASSES];

export interface ColumnRule {
  readonly class: ColumnClass;
  readonly note: string;
  /** Exact length in bytes every non-null value must have. */
  readonly bytes?: number;
}

const C = COLUMN_CLASSES;
const meta = (note: string): ColumnRule => ({ class: C.metadata, note });
const sha256 = (note: string): ColumnRule => ({ class: C.hash, note, bytes: 32 });
const owner = meta('which account the row belongs to');
const device = meta('which of the account’s devices');
const timestamp = (what: string): ColumnRule => meta(`timestamp: ${what}`);

export const AUDIT_ALLOWLIST: Readonly<Record<string, Readonly<Record<string, ColumnRule>>>> = {
  accounts: {
    id: meta('internal account number (links the other tables)'),
    username: meta('username'),
    webauthn_user_id: { class: C.randomId, note: 'WebAuthn user handle (random)' },
    account_key: { class: C.publicKey, note: 'account identity public key', bytes: 32 },
    status: meta('active or disabled'),
    created_at: timestamp('when the account was made'),
    failed_logins: meta('recent failed sign-ins'),
    locked_until: timestamp('lockout end'),
    totp_secret: { class: C.sealed, note: 'TOTP seed' },
    totp_enabled: meta('whether a TOTP second factor is on'),
    totp_last_step: meta('when the last TOTP code was used (30-second step)'),
    key_backup: { class: C.ciphertext, note: 'account-key backup, under the owner’s password' },
    key_backup_version: meta('how often the key backup changed'),
  },
  password_records: {
    account_id: owner,
    opaque_record: { class: C.passwordVerifier, note: 'OPAQUE registration record' },
    updated_at: timestamp('when the password was set'),
  },
  recovery_codes: {
    id: meta('row number'),
    account_id: owner,
    code_hash: sha256('recovery code'),
    used_at: timestamp('when a recovery code was used'),
  },
  passkeys: {
    id: { class: C.randomId, note: 'WebAuthn credential id' },
    account_id: owner,
    public_key: { class: C.publicKey, note: 'passkey public key (COSE)' },
    counter: meta('authenticator signature counter'),
    transports: meta('authenticator transports (usb, internal, hybrid, …)'),
    name: meta('the passkey’s name as its owner typed it'),
    backed_up: meta('whether the passkey is synced'),
    created_at: timestamp('when the passkey was added'),
    last_used_at: timestamp('when the passkey was last used'),
  },
  webauthn_challenges: {
    id: { class: C.randomId, note: 'challenge id' },
    account_id: owner,
    purpose: meta('register, signup, login or reauth'),
    challenge: { class: C.randomId, note: 'WebAuthn challenge (expires in minutes)' },
    expires_at: timestamp('challenge expiry'),
    username: meta('signup only: the username asked for (expires in minutes)'),
    user_handle: { class: C.randomId, note: 'signup only: the new account’s WebAuthn user handle' },
  },
  opaque_logins: {
    id: { class: C.randomId, note: 'sign-in attempt id' },
    username: meta('username of a password sign-in in progress'),
    server_state: { class: C.sealed, note: 'OPAQUE server login state' },
    expires_at: timestamp('sign-in attempt expiry'),
  },
  pending_logins: {
    token_hash: sha256('token between password and second factor'),
    account_id: owner,
    attempts: meta('second-factor attempts'),
    expires_at: timestamp('pending sign-in expiry'),
  },
  sessions: {
    id: meta('session number'),
    token_hash: sha256('session token'),
    account_id: owner,
    device_id: device,
    auth_method: meta('how the session signed in (password, passkey, …)'),
    label: meta('coarse browser label, such as “Chrome on Linux”'),
    created_at: timestamp('sign-in'),
    last_seen_at: timestamp('last activity (coarse)'),
    expires_at: timestamp('session expiry'),
  },
  invites: {
    id: meta('invite number'),
    code_hash: sha256('invite code'),
    created_at: timestamp('when the invite was made'),
    expires_at: timestamp('invite expiry'),
    max_uses: meta('use budget'),
    uses: meta('uses so far'),
  },
  activity_log: {
    id: meta('event number'),
    account_id: owner,
    at: timestamp('security event'),
    kind: meta('security event kind (sign-in, passkey added, …)'),
    detail: meta('fixed-vocabulary detail (method, device number)'),
  },
  devices: {
    account_id: owner,
    device_id: device,
    identity_key: { class: C.publicKey, note: 'device identity public key', bytes: 32 },
    signing_key: { class: C.publicKey, note: 'device signing public key', bytes: 32 },
    certificate: { class: C.publicKey, note: 'device certificate (signed public keys)' },
    created_at: timestamp('when the device was added'),
    last_seen_at: timestamp('device last active'),
  },
  device_lists: {
    account_id: owner,
    counter: meta('how often the device list changed'),
    list: { class: C.publicKey, note: 'signed device list (device numbers and public keys)' },
    updated_at: timestamp('device list change'),
  },
  signed_prekeys: {
    account_id: owner,
    device_id: device,
    prekey_id: meta('prekey number'),
    body: { class: C.publicKey, note: 'signed prekey' },
    created_at: timestamp('prekey rotation'),
  },
  one_time_prekeys: {
    account_id: owner,
    device_id: device,
    kind: meta('x25519 or mlkem'),
    prekey_id: meta('prekey number (gaps show how many were taken)'),
    body: { class: C.publicKey, note: 'one-time prekey' },
  },
  last_resort_prekeys: {
    account_id: owner,
    device_id: device,
    prekey_id: meta('prekey number'),
    body: { class: C.publicKey, note: 'last-resort post-quantum prekey' },
  },
  envelopes: {
    id: meta('envelope number'),
    client_id_hash: sha256('sender’s random client id (names no sender)'),
    body: { class: C.ciphertext, note: 'sealed envelope (sender and content sealed)' },
    created_at: timestamp('when an envelope arrived'),
    expires_at: timestamp('envelope expiry'),
  },
  deliveries: {
    account_id: meta('which account mailbox an envelope is for'),
    device_id: meta('which device mailbox an envelope is for'),
    seq: meta('position in that mailbox'),
    envelope_id: meta('which envelope (shared by the recipients of one group message)'),
    key_record: { class: C.ciphertext, note: 'this device’s sealed key record', bytes: 48 },
  },
  mailbox_heads: {
    account_id: owner,
    device_id: device,
    next_seq: meta('how many envelopes a device has ever been sent'),
  },
  submissions: {
    client_id_hash: sha256('sender’s random client id (names no sender)'),
    digest: sha256('what was submitted'),
    deliveries: meta('how many device mailboxes a submission went to'),
    expires_at: timestamp('retry window end'),
  },
  directory_version: {
    id: meta('always 1 (a single row)'),
    version: meta('how many times accounts, devices and device lists changed in all'),
  },
  blobs: {
    id: { class: C.randomId, note: 'attachment id (the download capability)' },
    account_id: meta('who uploaded an attachment (for the quota)'),
    size: meta('attachment size in bytes'),
    received: meta('bytes uploaded so far'),
    complete: meta('whether the upload finished'),
    created_at: timestamp('upload start'),
    expires_at: timestamp('attachment expiry'),
  },
  kysely_migration: {
    name: meta('schema migration name'),
    timestamp: timestamp('when a migration ran'),
  },
  kysely_migration_lock: {
    id: meta('migration lock name'),
    is_locked: meta('whether a migration is running'),
  },
  sqlite_sequence: {
    name: meta('table name'),
    seq: meta('highest id each table handed out: roughly how many accounts, sessions, envelopes'),
  },
  sqlite_stat1: {
    tbl: meta('table name (query planner statistics, after ANALYZE)'),
    idx: meta('index name'),
    stat: meta('approximate row counts'),
  },
};
