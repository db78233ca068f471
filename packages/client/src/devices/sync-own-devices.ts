// Keeping the account's devices in step: what one device changes — a contact added or removed,
// blocked, muted or verified, a group muted, a conversation read, the settings — and history
// transfers go to the account's other devices as `sync` records over the pairwise sessions. The
// messenger hands this class only records from a device our own signed list names (messenger.ts,
// receiveFromOwnDevice); anything else never gets here. Groups made after a device joined reach it
// as group operations; the ones made before travel in a history transfer (history-transfer.ts),
// with the rest of the account's state (account-state.ts: profile, mutes, timers, invite state).
import {
  decodeAttachmentPointer,
  decodeSyncRecord,
  encodeAttachmentPointer,
  encodeSyncRecord,
  equalBytes,
  fromBase64Url,
  fromHex,
  toBase64Url,
  type Ed25519PublicKey,
  type Primitives,
  type SyncRecord,
} from '@veil/protocol';
import type { BlobApi } from '../attachments/blob-api';
import type { ContactBook } from '../contacts/contact-book';
import type { DeviceListSync } from './device-list-sync';
import type { GroupMessenger } from '../groups/group-messenger';
import { messageIdHex } from '../messaging/chat-message';
import type { Disappearing } from '../messaging/disappearing';
import type { Messenger, MessengerEvent, ReadMark } from '../messaging/messenger';
import type { OwnProfileStore } from '../profile/own-profile-store';
import type { SettingsStore } from '../settings/settings-store';
import type { RelayApi } from '../relay/relay-api';
import {
  collectHistory,
  downloadHistory,
  importHistory,
  uploadHistory,
  type HistoryRange,
} from './history-transfer';
import type { AccountStateDeps } from './account-state';

export interface OwnDeviceSyncDeps {
  readonly p: Primitives;
  readonly api: RelayApi;
  readonly blobs: BlobApi;
  readonly contacts: ContactBook;
  readonly devices: DeviceListSync;
  readonly messenger: () => Messenger;
  readonly groups: () => GroupMessenger;
  readonly settings: SettingsStore;
  readonly disappearing: () => Disappearing;
  readonly ownProfile: OwnProfileStore;
  readonly ownAccountId: () => Promise<string>;
  /** Forgets a contact here (sessions, history, row): VeilDevice.removeContact without the sync. */
  readonly forgetContact: (peer: string) => Promise<void>;
  readonly onEvent?: (event: MessengerEvent) => void;
}

export class OwnDeviceSync {
  constructor(private readonly deps: OwnDeviceSyncDeps) {}

  /**
   * Sends our history within `range` (one 1:1 conversation, or all with every group) to the
   * account's other devices: encrypted and uploaded as a blob, its pointer and key in a sync
   * record. Returns the message count.
   */
  async sendHistory(options: { range: HistoryRange; peer?: string }): Promise<number> {
    const peers =
      options.peer === undefined
        ? (await this.deps.contacts.list()).map((c) => c.accountId)
        : [options.peer];
    const document = await collectHistory(this.deps.messenger(), {
      peers,
      range: options.range,
      now: Date.now(),
      state: this.stateDeps(),
      ...(options.peer === undefined ? { groups: this.deps.groups() } : {}),
    });
    const messageCount = [...document.conversations, ...(document.groups ?? [])].reduce(
      (n, c) => n + c.messages.length,
      0,
    );
    const pointer = await uploadHistory(this.deps, document);
    await this.send(
      { kind: 'history', pointer: encodeAttachmentPointer(pointer), messageCount },
      { freshList: true },
    );
    // A new device (the usual receiver) starts from the defaults: the account's settings go too.
    if ((await this.deps.settings.stamp()).changedAt > 0) await this.settingsChanged();
    return messageCount;
  }

  /** A conversation was read here (Messenger/GroupMessenger onRead): our other devices follow. */
  async read(mark: ReadMark): Promise<void> {
    await this.send({
      kind: 'read',
      scope: mark.scope,
      conversation: mark.conversation,
      upTo: fromHex(mark.upTo),
    });
  }

  /** The settings changed here: our other devices take them if this change is the latest. */
  async settingsChanged(): Promise<void> {
    const { settings } = this.deps;
    const current = await settings.get();
    await this.send({
      kind: 'settings',
      typingIndicators: current.typingIndicators,
      readReceipts: current.readReceipts,
      changedAt: (await settings.stamp()).changedAt,
    });
  }

  /** Tells our other devices the contact's state here now (removed when there is no row). */
  async contactChanged(peer: string, removedKey?: Ed25519PublicKey): Promise<void> {
    const contact = await this.deps.contacts.get(peer);
    const accountKey = contact?.accountKey ?? removedKey;
    if (accountKey === undefined) return;
    await this.send({
      kind: 'contact',
      peer,
      accountKey,
      present: contact !== undefined,
      blocked: contact?.blocked ?? false,
      muted: contact?.muted ?? false,
      verified: contact?.verified ?? false,
    });
  }

  /** Tells our other devices the group's mute here now (0: not muted). */
  groupMuteChanged(groupId: string, mutedUntil: number): Promise<void> {
    return this.send({ kind: 'groupMute', groupId: fromBase64Url(groupId), mutedUntil });
  }

  private async send(record: SyncRecord, options?: { freshList: boolean }): Promise<void> {
    const { p } = this.deps;
    const own = await this.deps.ownAccountId();
    // Our list fresh from the relay (verified as ever): a device added a moment ago — the usual
    // reason for a history transfer — is not missed for the minute a list is otherwise kept.
    // Frequent records (read marks) use the list as kept.
    if (options?.freshList === true) this.deps.devices.invalidate(own);
    await this.deps.messenger().sendContent(own, {
      type: 'sync',
      messageId: p.randomBytes(16),
      sentAt: Date.now(),
      record: encodeSyncRecord(record),
    });
  }

  /** A sync record from one of our own listed devices (the messenger checked that). */
  async receive(deviceId: number, bytes: Uint8Array): Promise<void> {
    const record = decodeSyncRecord(bytes);
    switch (record.kind) {
      case 'history': {
        const pointer = decodeAttachmentPointer(record.pointer);
        const document = await downloadHistory(this.deps, pointer);
        for (const { peer } of document.conversations) {
          if ((await this.deps.contacts.get(peer)) === undefined) await this.adopt(peer);
        }
        // The messenger reports what was added ('updated' events), so screens reload.
        await importHistory(this.deps.messenger(), document, this.deps.groups(), this.stateDeps());
        return;
      }
      case 'contact':
        await this.applyContactState(record);
        this.deps.onEvent?.({ type: 'synced', peer: record.peer });
        return;
      case 'read': {
        const upTo = messageIdHex(record.upTo);
        if (record.scope === 'group')
          await this.deps.groups().seenElsewhere(record.conversation, upTo);
        else await this.deps.messenger().seenElsewhere(record.conversation, upTo);
        return;
      }
      case 'settings': {
        const { typingIndicators, readReceipts, changedAt } = record;
        await this.deps.settings.applySynced(
          { typingIndicators, readReceipts },
          { changedAt, deviceId },
        );
        return;
      }
      case 'groupMute':
        await this.deps.groups().setMuted(toBase64Url(record.groupId), record.mutedUntil);
        return;
    }
  }

  /** Where the account state a transfer or backup file carries comes from and goes to. */
  stateDeps(): AccountStateDeps {
    return {
      contacts: this.deps.contacts,
      messenger: this.deps.messenger(),
      groups: this.deps.groups(),
      disappearing: this.deps.disappearing(),
      ownProfile: this.deps.ownProfile,
    };
  }

  /** A contact's state as another device of ours has it (a sync record or a backup file). */
  async applyContactState(record: Extract<SyncRecord, { kind: 'contact' }>): Promise<void> {
    const { contacts } = this.deps;
    let contact = await contacts.get(record.peer);
    if (!record.present) {
      // Only the contact that device removed: not one pinned here under another key.
      if (contact !== undefined && equalBytes(contact.accountKey, record.accountKey)) {
        await this.deps.forgetContact(record.peer);
      }
      return;
    }
    if (contact === undefined) {
      await this.adopt(record.peer, record.accountKey);
      contact = await contacts.get(record.peer);
      if (contact === undefined) return;
    }
    const sameKey = equalBytes(contact.accountKey, record.accountKey);
    await contacts.update(record.peer, (current) => ({
      ...current,
      blocked: record.blocked,
      muted: record.muted,
      // Verification is about one key: a device that pins another key keeps its own mark.
      verified: sameKey && current.pendingKeyChange === null ? record.verified : current.verified,
    }));
  }

  /**
   * A contact another device of ours has and this one does not: pinned with the key that device
   * pinned (a history transfer names none, so the directory's, trust on first use), and its
   * device list from the directory, verified against that key.
   */
  private async adopt(peer: string, accountKey?: Ed25519PublicKey): Promise<void> {
    const entry = await this.deps.api.directory(peer);
    await this.deps.contacts.observe(entry.username, accountKey ?? entry.accountKey);
    if (accountKey === undefined || equalBytes(accountKey, entry.accountKey)) {
      await this.deps.contacts.acceptDeviceList(entry.username, entry.deviceList);
    }
  }
}
