// Contacts, stored vault-encrypted. Adds, looks up and updates contacts, and checks device lists
// against the pinned account key and the last accepted counter before anything is encrypted to them.
import {
  decodeDeviceList,
  verifyDeviceList,
  type DeviceList,
  type Ed25519PublicKey,
  type Primitives,
} from '@veil/protocol';
import type { VaultLock } from '../vault/vault-lock';
import type { VeilDatabase } from '../store/veil-database';
import {
  acknowledgeKeyChange,
  newContact,
  observeIdentity,
  type Contact,
  type IdentityObservation,
} from './contact';

export class ContactBook {
  constructor(
    private readonly p: Primitives,
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
    private readonly now: () => number = Date.now,
  ) {}

  async get(accountId: string): Promise<Contact | undefined> {
    const id = this.vault.codec.blindId('contacts', accountId);
    const row = await this.db.contacts.get(id);
    return row && (this.vault.codec.open('contacts', id, row.body) as Contact);
  }

  async list(): Promise<Contact[]> {
    const rows = await this.db.contacts.toArray();
    return rows
      .map((row) => this.vault.codec.open('contacts', row.id, row.body) as Contact)
      .sort((a, b) => a.accountId.localeCompare(b.accountId));
  }

  async put(contact: Contact): Promise<void> {
    // The row id is blinded: a stolen, locked device does not list who its owner talks to.
    const id = this.vault.codec.blindId('contacts', contact.accountId);
    await this.db.contacts.put({ id, body: this.vault.codec.seal('contacts', id, contact) });
  }

  async remove(accountId: string): Promise<void> {
    await this.db.contacts.delete(this.vault.codec.blindId('contacts', accountId));
  }

  /** Adds a contact, pinning `accountKey`, or reports what a known contact's key means now. */
  async observe(
    accountId: string,
    accountKey: Ed25519PublicKey,
  ): Promise<{ contact: Contact; observation: IdentityObservation | 'new' }> {
    const existing = await this.get(accountId);
    if (existing === undefined) {
      const contact = newContact(accountId, accountKey, this.now());
      await this.put(contact);
      return { contact, observation: 'new' };
    }
    const result = observeIdentity(existing, accountKey, this.now());
    if (result.contact !== existing) await this.put(result.contact);
    return result;
  }

  async update(accountId: string, change: (contact: Contact) => Contact): Promise<Contact> {
    const contact = await this.get(accountId);
    if (contact === undefined) throw new Error(`ContactBook.update: no contact ${accountId}`);
    const next = change(contact);
    await this.put(next);
    return next;
  }

  /** Blocked: nothing they send is kept or answered, and nothing is sent to them. */
  setBlocked(accountId: string, blocked: boolean): Promise<Contact> {
    return this.update(accountId, (contact) => ({ ...contact, blocked }));
  }

  /** Muted: messages are kept and counted but raise no notification (issue 5 reads the flag). */
  setMuted(accountId: string, muted: boolean): Promise<Contact> {
    return this.update(accountId, (contact) => ({ ...contact, muted }));
  }

  acknowledgeKeyChange(accountId: string): Promise<Contact> {
    return this.update(accountId, acknowledgeKeyChange);
  }

  /**
   * Verifies a device list fetched from the relay against the pinned key and the last list
   * accepted (throws the protocol's UNTRUSTED_IDENTITY, BAD_SIGNATURE or ROLLBACK), then keeps it.
   */
  /** Adds a device change to the contact's unseen notice (merged with one not yet seen). */
  async noteDeviceChange(
    accountId: string,
    change: { added: readonly string[]; removed: readonly string[] },
    now: number,
  ): Promise<void> {
    const contact = await this.get(accountId);
    if (contact === undefined) return;
    const seen = contact.deviceNotice ?? { added: [], removed: [] };
    await this.put({
      ...contact,
      deviceNotice: {
        added: [...seen.added, ...change.added],
        removed: [...seen.removed, ...change.removed],
        at: now,
      },
    });
  }

  /** The user has seen the notice. */
  async clearDeviceNotice(accountId: string): Promise<void> {
    const contact = await this.get(accountId);
    if (contact?.deviceNotice == null) return;
    await this.put({ ...contact, deviceNotice: null });
  }

  async acceptDeviceList(accountId: string, encoded: Uint8Array): Promise<DeviceList> {
    const contact = await this.get(accountId);
    if (contact === undefined)
      throw new Error(`ContactBook.acceptDeviceList: no contact ${accountId}`);
    const list = decodeDeviceList(encoded);
    const previous = contact.deviceList === null ? undefined : decodeDeviceList(contact.deviceList);
    verifyDeviceList(this.p, {
      list,
      expected: { accountId, accountKey: contact.accountKey },
      previous,
    });
    await this.put({ ...contact, deviceList: encoded });
    return list;
  }
}
