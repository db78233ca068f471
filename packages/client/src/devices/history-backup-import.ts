// "Restore from a file": takes in a history backup file (history-backup-records.ts) on another device
// of the same account. The file is read twice: first to the end only to check it — the passphrase
// opens it, it belongs to this account, and every chunk authenticates to the FINAL one — so a wrong,
// foreign, altered or cut file is refused with nothing written; then again to store what it holds.
// Storing is idempotent by message id (Messenger/GroupMessenger.importMessages): a file restored
// twice, or overlapping what the device has, adds each message once; the account state
// (account-state.ts) is taken in by last writer, so an older file never undoes a newer change.
import {
  createVaultImportReader,
  equalBytes,
  isProtocolError,
  vaultKeyMemo,
  vaultRecordsDigest,
  verifyVaultRecords,
  type VaultKeyMemo,
  type AccountPublic,
  VAULT_EXPORT_FIRST_CHUNK_BYTES,
  VAULT_EXPORT_HEADER_BYTES,
  type Primitives,
  type SyncRecord,
  type Ed25519PublicKey,
  type VaultRecord,
} from '@veil/protocol';
import type { GroupBundle, GroupMessenger } from '../groups/group-messenger';
import type { ChatMessage } from '../messaging/chat-message';
import type { Messenger } from '../messaging/messenger';
import type { SettingsStore, SettingsStamp, Settings } from '../settings/settings-store';
import { applyAccountState, type AccountState, type AccountStateDeps } from './account-state';
import { parseAccountState } from './account-state-shape';
import {
  BACKUP_TABLE,
  decodeBackupValue,
  HistoryBackupError,
  READABLE_BACKUP_VERSIONS,
  type BackupContact,
  type BackupManifest,
} from './history-backup-records';

export interface HistoryBackupTargets {
  readonly p: Primitives;
  readonly account: () => Promise<AccountPublic>;
  readonly messenger: Messenger;
  readonly groups: GroupMessenger;
  readonly settings: SettingsStore;
  /** Where profile, mutes, timers and invite state go (BACKUP_TABLE.state). */
  readonly state: AccountStateDeps;
  /** A contact's state as another device of ours has it (OwnDeviceSync.applyContactState). */
  readonly applyContact: (record: Extract<SyncRecord, { kind: 'contact' }>) => Promise<void>;
}

export interface HistoryRestoreResult {
  /** Messages stored (new here); contacts and groups taken in. */
  readonly messages: number;
  readonly contacts: number;
  readonly groups: number;
}

/** Messages stored per call: memory stays bounded however long a conversation. */
const BATCH = 200;

/**
 * Restores the file `open` yields (called twice: once to check, once to store). Throws a
 * HistoryBackupError (WRONG_PASSPHRASE, OTHER_ACCOUNT, TAMPERED, NOT_A_BACKUP) before writing
 * anything if the file is not a whole, unaltered backup of this account under this passphrase.
 */
export async function restoreHistoryBackup(
  targets: HistoryBackupTargets,
  options: {
    passphrase: string;
    open: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  },
): Promise<HistoryRestoreResult> {
  const account = await targets.account();
  // Both readings use the one key the first derives: Argon2id runs once.
  const memo = vaultKeyMemo(targets.p);
  try {
    // The first reading only checks: every record is authenticated, the state record's shape is
    // checked (so a malformed one is refused with nothing written), and all are dropped. A bad
    // shape is reported only once the seal verified: a file someone else wrote is OTHER_ACCOUNT.
    let malformed: HistoryBackupError | undefined;
    await readBackup(targets.p, { ...options, memo }, account, (record, version) => {
      try {
        stateOf(record, version);
      } catch (error) {
        if (!(error instanceof HistoryBackupError)) throw error;
        malformed ??= error;
      }
      return Promise.resolve();
    });
    if (malformed !== undefined) throw malformed;
    const importer = new Importer(targets);
    await readBackup(targets.p, { ...options, memo }, account, (record, version) =>
      importer.take(record, version),
    );
    await importer.flush();
    return { messages: importer.messages, contacts: importer.contacts, groups: importer.groups };
  } finally {
    memo.wipe();
  }
}

/**
 * Reads the file to its authenticated end, handing each record after the manifest to `take`. The
 * seal (the account's signature over every record) must come last and verify under this account's
 * key: a file someone else wrote is refused, also when its manifest names this account.
 */
async function readBackup(
  p: Primitives,
  options: {
    passphrase: string;
    open: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
    memo: VaultKeyMemo;
  },
  account: AccountPublic,
  take: (record: VaultRecord, version: number) => Promise<void>,
): Promise<void> {
  const reader = createVaultImportReader(p, { password: options.passphrase, memo: options.memo });
  const digest = vaultRecordsDigest(p);
  let opened = false; // past the first chunk: the passphrase was right
  // An object, not two lets: they change inside `handle`, which TypeScript's narrowing can't see.
  const seen: { version: number | undefined; seal: Uint8Array | undefined } = {
    version: undefined,
    seal: undefined,
  };
  const handle = async (records: VaultRecord[]): Promise<void> => {
    for (const record of records) {
      if (seen.seal !== undefined) {
        throw new HistoryBackupError('TAMPERED', 'restoreHistoryBackup: records after the seal');
      }
      if (record.table === BACKUP_TABLE.seal) {
        seen.seal = record.value;
        continue;
      }
      digest.add(record);
      if (seen.version === undefined) {
        seen.version = checkManifest(record, account);
        continue;
      }
      await take(record, seen.version);
    }
  };
  try {
    for await (const piece of split(
      options.open(),
      VAULT_EXPORT_HEADER_BYTES + VAULT_EXPORT_FIRST_CHUNK_BYTES,
    )) {
      const records = reader.push(piece);
      if (!opened && piece.length > 0) opened = true;
      await handle(records);
    }
    reader.finish();
    if (seen.version === undefined) {
      throw new HistoryBackupError('NOT_A_BACKUP', 'restoreHistoryBackup: empty file');
    }
    const { seal } = seen;
    if (seal === undefined || !verifyVaultRecords(p, account.accountKey, digest.digest(), seal)) {
      throw new HistoryBackupError(
        'OTHER_ACCOUNT',
        'restoreHistoryBackup: this file was not signed by this account',
      );
    }
  } catch (error) {
    throw classify(error, opened);
  }
}

function classify(error: unknown, opened: boolean): unknown {
  if (error instanceof HistoryBackupError) return error;
  if (isProtocolError(error, 'UNKNOWN_VERSION')) {
    return new HistoryBackupError('NOT_A_BACKUP', 'restoreHistoryBackup: not a Veil backup file', {
      cause: error,
    });
  }
  if (
    !opened &&
    (isProtocolError(error, 'DECRYPT_FAILED') || isProtocolError(error, 'TRUNCATED'))
  ) {
    return new HistoryBackupError(
      'WRONG_PASSPHRASE',
      'restoreHistoryBackup: the passphrase does not open this file',
      { cause: error },
    );
  }
  if (isProtocolError(error)) {
    return new HistoryBackupError('TAMPERED', 'restoreHistoryBackup: the file was altered or cut', {
      cause: error,
    });
  }
  return error;
}

/** Checks the manifest names this account; returns the file's version. */
function checkManifest(record: VaultRecord, account: AccountPublic): number {
  const manifest =
    record.table === BACKUP_TABLE.manifest
      ? (decodeBackupValue(record.value) as Partial<BackupManifest> | null)
      : null;
  if (
    typeof manifest?.version !== 'number' ||
    !READABLE_BACKUP_VERSIONS.includes(manifest.version) ||
    !(manifest.accountKey instanceof Uint8Array)
  ) {
    throw new HistoryBackupError(
      'NOT_A_BACKUP',
      'restoreHistoryBackup: not a history backup of a known version',
    );
  }
  if (
    manifest.accountId !== account.accountId ||
    !equalBytes(manifest.accountKey, account.accountKey)
  ) {
    throw new HistoryBackupError(
      'OTHER_ACCOUNT',
      'restoreHistoryBackup: this backup belongs to another account',
    );
  }
  return manifest.version;
}

/**
 * The account state a `state` record holds (undefined for any other record, and in a version-1
 * file, which had none); a malformed one refuses the whole file.
 */
function stateOf(record: VaultRecord, version: number): AccountState | undefined {
  if (record.table !== BACKUP_TABLE.state || version < 2) return undefined;
  try {
    return parseAccountState(decodeBackupValue(record.value));
  } catch (error) {
    throw new HistoryBackupError(
      'TAMPERED',
      'restoreHistoryBackup: the account state record is malformed',
      { cause: error },
    );
  }
}

/**
 * The source's bytes with the first `head` as one piece of their own: that piece holds the header
 * and the first chunk, which only the right passphrase opens, so a failure there means the
 * passphrase and a failure later means the file.
 */
async function* split(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  head: number,
): AsyncGenerator<Uint8Array> {
  let pending = new Uint8Array(0);
  let headDone = false;
  for await (const piece of source) {
    if (headDone) {
      yield piece;
      continue;
    }
    const joined = new Uint8Array(pending.length + piece.length);
    joined.set(pending);
    joined.set(piece, pending.length);
    if (joined.length < head) {
      pending = joined;
      continue;
    }
    headDone = true;
    yield joined.subarray(0, head);
    if (joined.length > head) yield joined.subarray(head);
  }
  if (!headDone && pending.length > 0) yield pending;
}

/** Stores records as the second reading hands them over, messages in batches per conversation. */
class Importer {
  messages = 0;
  contacts = 0;
  groups = 0;
  private readonly batches = new Map<string, ChatMessage[]>();

  constructor(private readonly targets: HistoryBackupTargets) {}

  async take(record: VaultRecord, version: number): Promise<void> {
    const value = decodeBackupValue(record.value);
    switch (record.table) {
      case BACKUP_TABLE.state: {
        const state = stateOf(record, version);
        // After the groups in the file (they come first), so invite state is judged by them.
        if (state !== undefined) await applyAccountState(this.targets.state, state);
        return;
      }
      case BACKUP_TABLE.settings: {
        const { typingIndicators, readReceipts, changedAt, deviceId } = value as Settings &
          SettingsStamp;
        await this.targets.settings.applySynced(
          { typingIndicators, readReceipts },
          { changedAt, deviceId },
        );
        return;
      }
      case BACKUP_TABLE.contact: {
        const contact = value as BackupContact;
        await this.targets.applyContact({
          kind: 'contact',
          peer: record.id,
          accountKey: contact.accountKey as Ed25519PublicKey,
          present: true,
          blocked: contact.blocked,
          muted: contact.muted,
          verified: contact.verified,
        });
        this.contacts++;
        return;
      }
      case BACKUP_TABLE.group:
        await this.targets.groups.importGroup(value as GroupBundle);
        this.groups++;
        return;
      case BACKUP_TABLE.message: {
        const message = value as ChatMessage;
        const key =
          message.group === undefined ? `direct:${message.peer}` : `group:${message.group}`;
        const batch = this.batches.get(key) ?? [];
        batch.push(message);
        this.batches.set(key, batch);
        if (batch.length >= BATCH) await this.store(key);
        return;
      }
      default:
        return; // a record kind this version does not know: skipped, as the format allows
    }
  }

  async flush(): Promise<void> {
    for (const key of [...this.batches.keys()]) await this.store(key);
  }

  private async store(key: string): Promise<void> {
    const batch = this.batches.get(key) ?? [];
    this.batches.delete(key);
    if (batch.length === 0) return;
    const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    this.messages +=
      kind === 'group'
        ? await this.targets.groups.importMessages(id, batch)
        : await this.targets.messenger.importMessages(id, batch);
  }
}
