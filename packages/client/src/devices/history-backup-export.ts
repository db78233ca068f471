// "Back up history to a file": the account's 1:1 and group history, contacts, settings and the rest
// of its state (account-state.ts), written as a history backup file (records in
// history-backup-records.ts) under a passphrase the user types or a generated recovery code.
// Conversations are read a page at a time, oldest first, and the file
// comes out piece by piece, so memory stays bounded however long the history.
import {
  exportVaultStream,
  signVaultRecords,
  toBase64Url,
  vaultRecordsDigest,
  type AccountIdentity,
  type Argon2idParams,
  type Primitives,
  type VaultRecord,
} from '@veil/protocol';
import type { ContactBook } from '../contacts/contact-book';
import type { GroupMessenger } from '../groups/group-messenger';
import type { ChatMessage } from '../messaging/chat-message';
import type { Messenger } from '../messaging/messenger';
import type { SettingsStore } from '../settings/settings-store';
import type { MessageStore } from '../store/message-store';
import { collectAccountState, type AccountStateDeps } from './account-state';
import {
  BACKUP_TABLE,
  encodeBackupValue,
  HISTORY_BACKUP_VERSION,
  type BackupContact,
  type BackupManifest,
} from './history-backup-records';

export interface HistoryBackupSources {
  readonly p: Primitives;
  /** The account's identity: its key signs the file (BACKUP_TABLE.seal). */
  readonly identity: () => Promise<AccountIdentity>;
  readonly contacts: ContactBook;
  readonly messenger: Messenger;
  readonly groups: GroupMessenger;
  readonly history: MessageStore<ChatMessage>;
  readonly settings: SettingsStore;
  /** Profile, mutes, timers and invite state (BACKUP_TABLE.state). */
  readonly state: AccountStateDeps;
  readonly now?: () => number;
}

const PAGE = 200;

/** The backup file as a stream of pieces (for a Blob, a file on disk, an upload). */
export function exportHistoryBackup(
  sources: HistoryBackupSources,
  options: { passphrase: string; params?: Argon2idParams },
): AsyncGenerator<Uint8Array> {
  return exportVaultStream(sources.p, {
    password: options.passphrase,
    ...(options.params === undefined ? {} : { params: options.params }),
    records: sealed(sources),
  });
}

/** The records, then the account's signature over all of them (the file's last record). */
async function* sealed(sources: HistoryBackupSources): AsyncGenerator<VaultRecord> {
  const account = await sources.identity();
  const digest = vaultRecordsDigest(sources.p);
  for await (const record of backupRecords(sources, account)) {
    digest.add(record);
    yield record;
  }
  const signature = signVaultRecords(sources.p, account, digest.digest());
  yield { table: BACKUP_TABLE.seal, id: 'account', value: signature };
}

async function* backupRecords(
  sources: HistoryBackupSources,
  account: AccountIdentity,
): AsyncGenerator<VaultRecord> {
  const manifest: BackupManifest = {
    version: HISTORY_BACKUP_VERSION,
    accountId: account.accountId,
    accountKey: account.accountKey,
    createdAt: (sources.now ?? Date.now)(),
  };
  yield record(BACKUP_TABLE.manifest, 'account', manifest);
  yield record(BACKUP_TABLE.settings, 'account', {
    ...(await sources.settings.get()),
    ...(await sources.settings.stamp()),
  });
  const contacts = await sources.contacts.list();
  for (const contact of contacts) {
    const value: BackupContact = {
      accountKey: contact.accountKey,
      blocked: contact.blocked,
      muted: contact.muted,
      verified: contact.verified,
    };
    yield record(BACKUP_TABLE.contact, contact.accountId, value);
  }
  const groups = await sources.groups.list();
  for (const { groupId } of groups) {
    yield record(BACKUP_TABLE.group, groupId, await sources.groups.exportGroup(groupId));
  }
  // After the groups (invite state is judged by them), before the messages.
  const peers = contacts.map((c) => c.accountId);
  const state = await collectAccountState(sources.state, { peers, whole: true });
  yield record(BACKUP_TABLE.state, 'account', state);
  const conversations = [
    ...contacts.map((c) => sources.messenger.conversationId(c.accountId)),
    ...groups.map((g) => sources.groups.conversationId(g.groupId)),
  ];
  for (const conversationId of conversations) {
    let afterSeq = -1;
    for (;;) {
      const page = await sources.history.after(conversationId, { afterSeq, limit: PAGE });
      for (const row of page) {
        // Timeline rows are rebuilt by the importing device from the group's operations.
        if (row.value.groupEvent !== undefined) continue;
        yield record(BACKUP_TABLE.message, row.value.id, row.value);
      }
      if (page.length < PAGE) break;
      afterSeq = page[page.length - 1]!.seq;
    }
  }
}

function record(table: string, id: string, value: unknown): VaultRecord {
  return { table, id, value: encodeBackupValue(value) };
}

/**
 * A recovery code to use instead of a typed passphrase, shown once: 21 random bytes (168 bits, so
 * Argon2id's cost is no longer what protects it) as 7 groups of 4 base64url characters.
 */
export function generateBackupCode(p: Primitives): string {
  const text = toBase64Url(p.randomBytes(21)); // 28 characters, no padding
  return text.match(/.{1,4}/g)!.join('-');
}
