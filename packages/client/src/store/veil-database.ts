// The client's IndexedDB database (Dexie 4). Every sensitive row is an EncryptedRow: its content is
// sealed under the vault key (see row-codec.ts) and only the fields ordering needs are left in the
// clear as indexes: opaque ids and per-conversation sequence numbers, never names or text.
import Dexie, { type DexieOptions, type EntityTable } from 'dexie';

/** A row whose `body` is vault-encrypted with AD = table || id. */
export interface EncryptedRow {
  readonly id: string;
  readonly body: Uint8Array;
}

/** A message row: ordered within its conversation by a local counter, not by a timestamp. */
export interface MessageRow extends EncryptedRow {
  readonly conversationId: string;
  readonly seq: number;
}

export interface OrderedRow extends EncryptedRow {
  /** Only for ordering the list (most recent first); coarse by design of the caller. */
  readonly order: number;
}

/** Not secret, or already protected (wrapped keys): needed before the vault is unlocked. */
export interface MetaRow {
  readonly key: string;
  readonly value: unknown;
}

export const ENCRYPTED_TABLES = [
  'secrets',
  'sessions',
  'contacts',
  'conversations',
  'messages',
  'outbox',
  'groups',
  'senderKeys',
  'profile',
  'settings',
  'expiring',
  'attachmentQueue',
  'attachmentChunks',
] as const;
export type EncryptedTable = (typeof ENCRYPTED_TABLES)[number];

export class VeilDatabase extends Dexie {
  meta!: EntityTable<MetaRow, 'key'>;
  secrets!: EntityTable<EncryptedRow, 'id'>;
  sessions!: EntityTable<EncryptedRow, 'id'>;
  contacts!: EntityTable<EncryptedRow, 'id'>;
  conversations!: EntityTable<OrderedRow, 'id'>;
  messages!: EntityTable<MessageRow, 'id'>;
  outbox!: EntityTable<OrderedRow, 'id'>;
  groups!: EntityTable<EncryptedRow, 'id'>;
  senderKeys!: EntityTable<EncryptedRow, 'id'>;
  /** This account's own profile (contacts' profiles live in their contact rows). */
  profile!: EntityTable<EncryptedRow, 'id'>;
  /** This device's preferences (settings/settings-store.ts): one row. */
  settings!: EntityTable<EncryptedRow, 'id'>;
  /**
   * Which messages disappear when (messaging/disappearing.ts). The time is inside the sealed body,
   * not an index: the few rows are read once at unlock and kept in memory, so nothing in the clear
   * says when a conversation was active.
   */
  expiring!: EntityTable<EncryptedRow, 'id'>;
  /**
   * Attachments waiting to send (attachments/attachment-queue.ts): one row each, in the order they
   * were chosen, and their bytes in `attachmentChunks` rows of at most 1 MiB (`<queue id>:<index>`).
   */
  attachmentQueue!: EntityTable<OrderedRow, 'id'>;
  attachmentChunks!: EntityTable<EncryptedRow, 'id'>;

  /** The key-range constructor of this database's IndexedDB (fake-indexeddb's in Node tests). */
  readonly keyRanges: typeof IDBKeyRange;

  constructor(name: string, options?: DexieOptions) {
    super(name, options);
    // Dexie types the option loosely (`bound: Function`); it is the real constructor.
    this.keyRanges =
      (options?.IDBKeyRange as typeof IDBKeyRange | undefined) ?? Dexie.dependencies.IDBKeyRange;
    this.version(1).stores({
      meta: '&key',
      secrets: '&id',
      sessions: '&id',
      contacts: '&id',
      conversations: '&id, order',
      messages: '&id, [conversationId+seq]',
      outbox: '&id, order',
      groups: '&id',
      senderKeys: '&id',
    });
    // Version 2 adds a table and changes nothing else, so existing databases upgrade in place.
    this.version(2).stores({ profile: '&id' });
    // Version 3 adds two tables (settings, disappearing messages); existing rows stay as they are.
    this.version(3).stores({ settings: '&id', expiring: '&id' });
    // Version 4 adds the attachments waiting to send; existing rows stay as they are.
    this.version(4).stores({ attachmentQueue: '&id, order', attachmentChunks: '&id' });
  }
}
