// 1:1 messaging over the pieces below it: a text becomes a content record, is encrypted once per
// device of the contact's verified device list (EnvelopeCipher), queued in the outbox and stored in
// the history; an incoming envelope is opened, its content applied (a text stored and answered with
// a delivery receipt, a receipt advancing marks), and anything forged or replayed is dropped — so a
// hostile sender can never wedge the mailbox. Everything from a blocked contact is dropped too, after
// decryption (so the ratchet keeps step for when they are unblocked) and without a receipt; the
// envelope still counts as handled, so the relay deletes it. A `profile` record updates the sender's
// contact row (the newest wins) and is never stored as a message.
// Every device of an account is equal: a text goes to every device in the contact's signed list and,
// as a `syncSent` transcript, to our own other devices, which store it as sent by us. Only our own
// devices (a certificate under our own account key, named in our signed list) may send a transcript.
// Typing indicators, the read-receipt setting and disappearing messages have their own modules
// (typing.ts, settings/, disappearing.ts); the few calls into them are marked "privacy" below.
import {
  decodeContent,
  decodeDeviceList,
  encodeAttachmentPointer,
  encodeContent,
  fromHex,
  ProtocolError,
  type AttachmentPointer,
  type Content,
  toBase64Url,
  type Primitives,
} from '@veil/protocol';
import type { AttachmentCache } from '../attachments/attachment-cache';
import { messageBody } from '../attachments/attachment-content';
import { canSendTo, type Contact } from '../contacts/contact';
import type { ContactBook } from '../contacts/contact-book';
import type { DeviceListSync } from '../devices/device-list-sync';
import { isNewer, profileContent, type Profile } from '../profile/profile';
import { ContactError } from '../contacts/contact-error';
import type { DeviceListCounter } from '@veil/wire';
import type { RelayApi } from '../relay/relay-api';
import type { ConversationStore } from '../store/conversation-store';
import type { MessageStore, StoredMessage } from '../store/message-store';
import type { RowCodec } from '../store/row-codec';
import { sharesReadReceipts, type SettingsStore } from '../settings/settings-store';
import { advanceMark, messageIdHex, type ChatMessage, type DeliveryMark } from './chat-message';
import { ActionApplier, conversationIdFor, messageRowId } from './action-applier';
import { expiryOf, type Disappearing } from './disappearing';
import { StaleSessionStartError, type EnvelopeCipher } from './envelope-cipher';
import {
  actionContent,
  isActionContent,
  type ActionIntent,
  type ActionScope,
} from './message-actions';
import type { Outbox, OutboxEntry, OutboxEvent } from './outbox';
import { ReceiptLedger } from './receipt-ledger';
import { importMessages, type ImportTarget } from './import-messages';
import { markSeenThrough } from './seen-through';
import type { DeviceAddress } from './session-store';
import { directConversation, type Typing } from './typing';

/**
 * Where group traffic goes (groups/group-messenger.ts): operations and sender-key distributions
 * arrive over the pairwise sessions, group messages as multi-recipient envelopes (with a key record).
 */
export interface GroupHooks {
  onPairwise(sender: DeviceAddress, content: Content): Promise<void>;
  onEnvelope(body: Uint8Array, keyRecord: Uint8Array): Promise<void>;
  /** A group's current members other than us (whose receipts for our group messages count). */
  groupRecipients(groupId: string): Promise<readonly string[] | undefined>;
}

export type MessengerEvent =
  | { readonly type: 'message'; readonly message: ChatMessage }
  | { readonly type: 'updated'; readonly message: ChatMessage }
  /** The sender's account key differs from the pinned one: warn, and block sending until acknowledged. */
  | { readonly type: 'key-changed'; readonly peer: string }
  /** The contact's signed list added or removed devices (their row's deviceNotice says which). */
  | { readonly type: 'devices-changed'; readonly peer: string }
  /** The contact sent a newer profile (display name, avatar); it is in their contact row now. */
  | { readonly type: 'profile'; readonly peer: string }
  /** An envelope that did not open or did not make sense; dropped (the reason is for diagnostics). */
  | { readonly type: 'rejected'; readonly reason: string }
  /** Another device of ours read a conversation (`direct:<account>` or `group:<id>`): fewer unread. */
  | { readonly type: 'read'; readonly conversation: string }
  /** Another device of ours changed the account's settings, and its change won (settings/). */
  | { readonly type: 'settings' }
  /** Another device of ours changed a contact here (devices/sync-own-devices.ts). */
  | { readonly type: 'synced'; readonly peer: string }
  /** A group's state changed (an operation applied); its timeline row came as a 'message'. */
  | { readonly type: 'group'; readonly groupId: string }
  /** A message disappeared (its timer ran out) and was deleted from this device. */
  | { readonly type: 'removed'; readonly message: ChatMessage }
  /** Who is typing in a conversation (`direct:<account>` or `group:<id>`) changed. */
  | { readonly type: 'typing'; readonly conversation: string; readonly typists: readonly string[] }
  /** Attachments waiting to send changed: one was queued, sent, cancelled or refused for good. */
  | { readonly type: 'attachments-queued' };

/** Typing indicators, the settings and disappearing messages (present once the vault is open). */
export interface PrivacyDeps {
  readonly settings: SettingsStore;
  readonly typing: Typing;
  readonly disappearing: Disappearing;
  /** Whether the live socket is up: a typing indicator goes now or never. */
  readonly online: () => boolean;
}

export interface MessengerDeps {
  readonly p: Primitives;
  readonly api: RelayApi;
  readonly cipher: EnvelopeCipher;
  readonly contacts: ContactBook;
  readonly devices: DeviceListSync;
  /** Our own account id (read lazily: a new device has no keys yet when its messenger is made). */
  readonly ownAccountId: () => Promise<string>;
  readonly outbox: Outbox;
  readonly history: MessageStore<ChatMessage>;
  readonly conversations: ConversationStore;
  readonly codec: RowCodec;
  readonly onEvent?: (event: MessengerEvent) => void;
  readonly now?: () => number;
  readonly groups?: GroupHooks;
  readonly privacy?: PrivacyDeps;
  /** Opened attachments kept on this device (dropped with a message deleted for everyone). */
  readonly attachments?: AttachmentCache;
  /** Where `sync` records from our own listed devices go (devices/sync-own-devices.ts). */
  readonly sync?: (deviceId: number, record: Uint8Array) => Promise<void>;
  /** A conversation was read here up to message `upTo` (hex): tells our other devices. */
  readonly onRead?: (read: ReadMark) => Promise<void>;
}

/** How far a conversation was read: what a `read` sync record carries. */
export interface ReadMark {
  readonly scope: 'direct' | 'group';
  /** The peer's account id, or the group id. */
  readonly conversation: string;
  /** The hex id of the newest message marked read. */
  readonly upTo: string;
}

/** One row of the conversation list: what it shows without opening the conversation. */
export interface ConversationSummary {
  readonly contact: Contact;
  readonly last: ChatMessage | undefined;
  readonly unread: number;
  /** When the conversation last changed on this device (ms), for sorting the list. */
  readonly lastActivity: number;
}

/** How far back `markSeen` and a rebuilt unread count look for unseen messages. */
const UNSEEN_SCAN_PAGE = 200;

/** The relay's refusal of a submission naming a device that no longer exists (wire: mailbox.ts). */
const UNKNOWN_DEVICES = 'RELAY_ERR_UNKNOWN_DEVICES';

/** Codes that mean "already handled": a redelivery after a crash, or a relay replaying. */
const ALREADY_SEEN = new Set(['REPLAY', 'MISSING_PREKEY']);

/** What our own other devices send the group messenger: changes, sender keys, invite answers. */
const OWN_GROUP_CONTENT = new Set<Content['type']>([
  'groupOperation',
  'senderKeyDistribution',
  'joinDeclined',
  'inviteSecret',
]);

/** How a content record is queued: for which message, and whether to every device listed. */
interface QueueOptions {
  readonly messageId?: string | undefined;
  /** Meant for every device of the account: a list that turns out newer adds recipients. */
  readonly everyDevice?: boolean;
}

/** A send to every listed device of an account, in memory until the relay took its envelopes. */
interface FanOut {
  readonly peer: string;
  readonly plaintext: Uint8Array;
  readonly messageId: string | undefined;
  readonly covered: Set<number>;
}

export class Messenger {
  private readonly now: () => number;
  /** Sends to every device, by the client id of each of their outbox entries (followLists). */
  private readonly fanOuts = new Map<string, FanOut>();
  private readonly actions: ActionApplier;
  private readonly receipts: ReceiptLedger;

  constructor(private readonly deps: MessengerDeps) {
    this.now = deps.now ?? Date.now;
    this.actions = new ActionApplier({
      history: deps.history,
      conversations: deps.conversations,
      codec: deps.codec,
      emit: (event) => this.emit(event),
      now: this.now,
      ...(deps.attachments === undefined ? {} : { attachments: deps.attachments }),
    });
    this.receipts = new ReceiptLedger({
      history: deps.history,
      rowId: (id) => this.rowId(id),
      groupRecipients: async (groupId) => deps.groups?.groupRecipients(groupId),
      onUpdated: (message) => this.emit({ type: 'updated', message }),
      now: this.now,
    });
  }

  /** The history's (blinded) conversation id for a contact. */
  conversationId(peer: string): string {
    return conversationIdFor(this.deps.codec, { kind: 'direct', peer });
  }

  private rowId(id: string): string {
    return messageRowId(this.deps.codec, id);
  }

  private emit(event: MessengerEvent): void {
    this.deps.onEvent?.(event);
  }

  history(peer: string, options: { beforeSeq?: number; limit: number }) {
    return this.deps.history.page(this.conversationId(peer), options);
  }

  /** Every message from `fromSeq` on, oldest first: what a view re-reads after a change. */
  historySince(peer: string, fromSeq: number) {
    return this.deps.history.since(this.conversationId(peer), fromSeq);
  }

  /**
   * Stores messages another device of ours had (a history transfer), each once: one already here
   * (by id) is skipped, so a repeated or overlapping transfer adds nothing twice. Returns how many
   * were new.
   */
  importMessages(peer: string, messages: readonly ChatMessage[]): Promise<number> {
    return importMessages(this.importTarget(), {
      conversationId: this.conversationId(peer),
      messages,
      belongs: (message) => message.peer === peer && message.group === undefined,
    });
  }

  private importTarget(): ImportTarget {
    return {
      ...this.deps,
      rowId: (id) => this.rowId(id),
      now: this.now,
      trackExpiry: (message) => this.trackExpiry(message),
      onStored: (message) => this.emit({ type: 'updated', message }),
    };
  }

  /**
   * Encrypts `text` for every device the contact's verified list names, stores and queues it;
   * `replyTo` is the hex id of the message it answers.
   */
  async sendText(peer: string, text: string, replyTo?: string): Promise<ChatMessage> {
    const content: Content = {
      type: 'text',
      messageId: this.deps.p.randomBytes(16),
      sentAt: this.now(),
      text,
      replyTo: replyTo === undefined ? null : fromHex(replyTo),
    };
    return this.send(peer, content, { text, ...(replyTo === undefined ? {} : { replyTo }) });
  }

  /** Like sendText, for an attachment already uploaded (attachments/attachment-upload.ts). */
  async sendAttachment(
    peer: string,
    pointer: AttachmentPointer,
    caption = '',
  ): Promise<ChatMessage> {
    const messageId = this.deps.p.randomBytes(16);
    const content: Content = {
      type: 'attachment',
      messageId,
      sentAt: this.now(),
      pointer: encodeAttachmentPointer(pointer),
      caption,
      replyTo: null,
    };
    return this.send(peer, content, { text: caption, attachment: pointer });
  }

  private async send(
    peer: string,
    untimed: Content,
    body: Pick<ChatMessage, 'text' | 'attachment' | 'replyTo'>,
  ): Promise<ChatMessage> {
    await this.assertSendable(peer, 'Messenger.sendText');
    // privacy: the message carries the conversation's disappearing timer as it is now.
    const content = await this.withTimer(peer, untimed);
    // Encoded before anything is stored (and again when queued; it is cheap): content over the
    // protocol's limits (a text over 64 KiB) is refused here, not kept in the history as a message
    // that can never leave "queued".
    encodeContent(content);
    const message: ChatMessage = {
      id: messageIdHex(content.messageId),
      direction: 'out',
      peer,
      ...body,
      sentAt: content.sentAt,
      storedAt: this.now(),
      mark: 'queued',
      seen: true,
      ...this.expiry(content),
    };
    await this.deps.history.append(this.conversationId(peer), [
      { id: this.rowId(message.id), value: message },
    ]);
    await this.trackExpiry(message);
    void this.deps.privacy?.typing.stopped(directConversation(peer));
    await this.sendToContact(peer, content, message.id);
    return message;
  }

  /** Throws unless we may write to `peer` now (a contact, not blocked, no key change pending). */
  private async assertSendable(peer: string, context: string): Promise<void> {
    const contact = await this.deps.contacts.get(peer);
    if (contact === undefined || contact.deviceList === null) {
      throw new ContactError('NO_CONTACT', `${context}: not a contact`);
    }
    if (contact.blocked) {
      throw new ContactError('BLOCKED', `${context}: the contact is blocked`);
    }
    if (!canSendTo(contact)) {
      throw new ProtocolError(
        'UNTRUSTED_IDENTITY',
        `${context}: a key change waits to be acknowledged`,
      );
    }
  }

  /** Queues `content` for every device of `peer` and, as a transcript, for our other devices. */
  private async sendToContact(peer: string, content: Content, messageId?: string): Promise<void> {
    const devices = await this.deps.devices.contactDevices(peer);
    await this.queue(peer, devices, content, { everyDevice: true, messageId });
    await this.sendTranscript(peer, content);
  }

  /** Reacts to a message with `emoji` (replacing our earlier reaction), or takes it back. */
  react(peer: string, messageId: string, emoji: string, remove = false): Promise<void> {
    return this.act(
      peer,
      { type: 'reaction', target: messageId, emoji, remove },
      'Messenger.react',
    );
  }

  /** Replaces the text of one of our own messages; the earlier versions stay viewable. */
  edit(peer: string, messageId: string, text: string): Promise<void> {
    return this.act(peer, { type: 'edit', target: messageId, text }, 'Messenger.edit');
  }

  /** Deletes one of our own messages on every device of both sides, within DELETE_WINDOW_MS. */
  deleteForEveryone(peer: string, messageId: string): Promise<void> {
    return this.act(peer, { type: 'delete', target: messageId }, 'Messenger.deleteForEveryone');
  }

  /** Applies a reaction, edit or delete of ours here first (refused if not ours to do), then sends. */
  private async act(peer: string, intent: ActionIntent, context: string): Promise<void> {
    await this.assertSendable(peer, context);
    const content = actionContent(intent, {
      messageId: this.deps.p.randomBytes(16),
      sentAt: this.now(),
    });
    const actor = { self: true, accountId: await this.deps.ownAccountId() };
    await this.actions.applyOwn(content, actor, { kind: 'direct', peer }, context);
    await this.sendToContact(peer, content);
  }

  /**
   * Queues `content` for every device of `peer` over the pairwise sessions (our own other devices
   * when `peer` is our account): the channel group operations and sender keys travel on.
   */
  async sendContent(peer: string, content: Content): Promise<void> {
    const own = await this.deps.ownAccountId();
    const devices =
      peer === own
        ? await this.deps.devices.ownOtherDevices()
        : await this.deps.devices.contactDevices(peer);
    if (devices.length > 0) await this.queue(peer, devices, content, { everyDevice: true });
  }

  /** Copies what we sent `peer` to our own other devices, so it shows as sent there too. */
  private async sendTranscript(peer: string, content: Content): Promise<void> {
    const own = await this.deps.devices.ownOtherDevices();
    if (own.length === 0) return;
    const transcript: Content = {
      type: 'syncSent',
      messageId: this.deps.p.randomBytes(16),
      sentAt: content.sentAt,
      peer,
      content: encodeContent(content),
    };
    await this.queue(await this.deps.ownAccountId(), own, transcript, { everyDevice: true });
  }

  /**
   * Queues our `profile` for every device of each of `peers` we can write to (a contact with an
   * accepted device list, not blocked, no key change pending); returns those it was queued for.
   * Encodes first, so a profile over the limits throws before anything is queued.
   */
  async sendProfile(peers: readonly string[], profile: Profile): Promise<string[]> {
    const plaintext = encodeContent(profileContent(profile, this.deps.p.randomBytes(16)));
    const reached: string[] = [];
    for (const peer of peers) {
      const contact = await this.deps.contacts.get(peer);
      if (contact?.deviceList == null || !canSendTo(contact)) continue;
      const devices = decodeDeviceList(contact.deviceList).devices.map((d) => d.deviceId);
      await this.queueEncoded(peer, devices, plaintext, { everyDevice: true });
      reached.push(peer);
    }
    return reached;
  }

  /** Sends read receipts for every incoming message of `peer` not yet marked seen. */
  async markSeen(peer: string): Promise<void> {
    const conversationId = this.conversationId(peer);
    const state = await this.deps.conversations.get(conversationId);
    if (state !== undefined && state.unread === 0) return; // the common case costs one row
    const expected = state?.unread ?? Number.POSITIVE_INFINITY;
    const unseen = await this.unseen(peer, expected);
    for (const row of unseen) await this.deps.history.update(row.id, { ...row.value, seen: true });
    // Subtract what was marked rather than writing zero, so a message that arrived meanwhile stays
    // unread; finding fewer than counted (or no count yet) means the count was off: it restarts at 0.
    await this.deps.conversations.addUnread(
      conversationId,
      unseen.length < expected ? Number.NEGATIVE_INFINITY : -unseen.length,
    );
    if (unseen.length === 0) return;
    // Our other devices mark it read too, receipts or not: that stays within the account.
    await this.deps
      .onRead?.({ scope: 'direct', conversation: peer, upTo: unseen[unseen.length - 1]!.value.id })
      .catch(() => undefined);
    if (!(await this.readReceipts())) return; // privacy: marked seen here, nothing sent
    const contact = await this.deps.contacts.get(peer);
    if (contact?.deviceList == null || !canSendTo(contact)) return;
    const devices = decodeDeviceList(contact.deviceList).devices.map((d) => d.deviceId);
    await this.queue(
      peer,
      devices,
      {
        type: 'receipt',
        messageId: this.deps.p.randomBytes(16),
        sentAt: this.now(),
        kind: 'read',
        targets: unseen.map((m) => fromHex(m.value.id)),
      },
      { everyDevice: true },
    );
  }

  /** Another device of ours read the conversation up to message `upTo` (hex): the same here. */
  async seenElsewhere(peer: string, upTo: string): Promise<void> {
    const marked = await markSeenThrough(this.deps, {
      conversationId: this.conversationId(peer),
      upToRowId: this.rowId(upTo),
    });
    if (marked > 0) this.emit({ type: 'read', conversation: directConversation(peer) });
  }

  /**
   * The newest unseen incoming messages, reading pages backwards until `expected` are found (unseen
   * ones sit at the end of the history) or a page holds none.
   */
  private async unseen(peer: string, expected: number): Promise<StoredMessage<ChatMessage>[]> {
    const found: StoredMessage<ChatMessage>[] = [];
    let beforeSeq: number | undefined;
    while (found.length < expected) {
      const page = await this.history(peer, {
        limit: UNSEEN_SCAN_PAGE,
        ...(beforeSeq === undefined ? {} : { beforeSeq }),
      });
      const inPage = page.filter((m) => m.value.direction === 'in' && !m.value.seen);
      found.unshift(...inPage);
      if (inPage.length === 0 || page.length < UNSEEN_SCAN_PAGE) break;
      beforeSeq = page[0]!.seq;
    }
    return found;
  }

  /** What the conversation list shows for `contact`: the newest message and the unread count. */
  async summary(contact: Contact): Promise<ConversationSummary> {
    const conversationId = this.conversationId(contact.accountId);
    const last = (await this.deps.history.last(conversationId))?.value;
    let state = await this.deps.conversations.get(conversationId);
    if (state === undefined) {
      // History stored before unread counts were kept: count once, then keep the count.
      const unread = (await this.unseen(contact.accountId, Number.POSITIVE_INFINITY)).length;
      state = await this.deps.conversations.update(conversationId, (s) => ({ ...s, unread }));
    }
    return {
      contact,
      last,
      unread: state.unread,
      lastActivity: last?.storedAt ?? contact.addedAt,
    };
  }

  /** Every contact's conversation, most recently active first. */
  async conversations(): Promise<ConversationSummary[]> {
    const contacts = await this.deps.contacts.list();
    const summaries = await Promise.all(contacts.map((contact) => this.summary(contact)));
    return summaries.sort(
      (a, b) =>
        b.lastActivity - a.lastActivity || a.contact.accountId.localeCompare(b.contact.accountId),
    );
  }

  /** Removes one message from this device's history ("delete for me"); the peer keeps theirs. */
  async deleteForMe(peer: string, messageId: string): Promise<void> {
    const row = await this.deps.history.get(this.rowId(messageId));
    if (row === undefined || row.value.peer !== peer) return;
    await this.deps.history.delete(row.id);
    if (row.value.direction === 'in' && !row.value.seen) {
      await this.deps.conversations.addUnread(row.conversationId, -1);
    }
  }

  /** Deletes the whole conversation with `peer` from this device (the contact is being removed). */
  async forget(peer: string): Promise<void> {
    const conversationId = this.conversationId(peer);
    await this.deps.history.clear(conversationId);
    await this.deps.conversations.delete(conversationId);
  }

  /** Applies the outbox's verdicts to the messages they carried. */
  async onOutboxEvent(event: OutboxEvent): Promise<void> {
    if (event.type === 'sent' && event.lists !== undefined) {
      // Not awaited: it may fetch a list from the directory, and the message is sent either way
      // (what it queues for a newly listed device carries the same messageId and marks it again).
      void this.followLists(event.entry, event.lists).catch(() => undefined);
    } else {
      this.fanOuts.delete(event.entry.clientId);
    }
    if (event.type === 'failed' && event.reason.startsWith(UNKNOWN_DEVICES)) {
      // A device the list we hold still names is gone (removed by its account): nothing is lost,
      // since its owner's other devices got their own copies. Fetch the lists again before the
      // next message instead of marking this one failed.
      for (const { username } of event.entry.recipients) this.deps.devices.invalidate(username);
      return;
    }
    if (event.entry.messageId === null) return;
    await this.mark(event.entry.messageId, event.type === 'sent' ? 'sent' : 'failed');
  }

  /**
   * Opens and applies one envelope. Never throws for bad input: it is reported and dropped. An
   * envelope with a key record is a multi-recipient group message, for the group layer.
   */
  async receive(sealed: Uint8Array, keyRecord?: Uint8Array): Promise<void> {
    if (keyRecord !== undefined) {
      await this.deps.groups?.onEnvelope(sealed, keyRecord);
      return;
    }
    let opened;
    try {
      opened = await this.deps.cipher.decrypt(sealed);
    } catch (error) {
      if (error instanceof StaleSessionStartError) {
        await this.answerStaleStart(error.sender);
        return;
      }
      if (error instanceof ProtocolError) {
        if (!ALREADY_SEEN.has(error.code)) this.emit({ type: 'rejected', reason: error.code });
        return;
      }
      throw error;
    }
    const peer = opened.sender.accountId;
    const ownAccountId = await this.deps.ownAccountId();
    if (peer === ownAccountId) {
      await this.receiveFromOwnDevice(ownAccountId, opened.sender.deviceId, opened.plaintext);
      return;
    }
    if ((await this.deps.contacts.get(peer))?.blocked === true) return;
    // A device their list does not name yet (one they just added): fetch and verify their list.
    await this.deps.devices.contactSent(peer, opened.sender.deviceId);
    if (opened.identityChanged) this.emit({ type: 'key-changed', peer });
    let content: Content;
    try {
      content = decodeContent(opened.plaintext);
    } catch (error) {
      this.emit({ type: 'rejected', reason: (error as Error).message });
      return;
    }
    switch (content.type) {
      case 'text':
      case 'attachment': {
        let body;
        try {
          body = messageBody(content)!;
        } catch (error) {
          this.emit({ type: 'rejected', reason: (error as Error).message });
          return;
        }
        const message: ChatMessage = {
          id: messageIdHex(content.messageId),
          direction: 'in',
          peer,
          ...body,
          sentAt: content.sentAt,
          storedAt: this.now(),
          mark: 'delivered',
          seen: false,
          ...this.expiry(content),
        };
        this.deps.privacy?.typing.sent(directConversation(peer), peer);
        if (this.expired(message)) return; // privacy: it disappeared before it arrived
        const outcome = await this.actions.storeReceived(message, { kind: 'direct', peer });
        if (outcome === 'held') return;
        if (outcome === 'stored')
          await this.deps.conversations.addUnread(this.conversationId(peer), 1);
        await this.trackExpiry(message); // stored, or settled as deleted: either way it goes
        if (!opened.identityChanged) {
          await this.queue(peer, [opened.sender.deviceId], {
            type: 'receipt',
            messageId: this.deps.p.randomBytes(16),
            sentAt: this.now(),
            kind: 'delivered',
            targets: [content.messageId],
          });
        }
        return;
      }
      case 'profile': {
        // From a key not yet acknowledged, a name could help an impostor pass: wait for the user.
        if (opened.identityChanged) return;
        const profile: Profile = {
          displayName: content.displayName,
          avatar: content.avatar,
          updatedAt: content.sentAt,
        };
        const contact = await this.deps.contacts.get(peer);
        if (contact === undefined || !isNewer(profile, contact.profile)) return;
        await this.deps.contacts.put({ ...contact, profile });
        this.emit({ type: 'profile', peer });
        return;
      }
      case 'receipt':
        // privacy: with read receipts off we show no one's (sharing is reciprocal).
        if (content.kind === 'read' && !(await this.readReceipts())) return;
        await this.receipts.apply(peer, content.kind, content.targets);
        return;
      case 'groupOperation':
      case 'senderKeyDistribution':
      case 'joinRequest':
      case 'joinDeclined':
      case 'inviteSecret':
        if (!opened.identityChanged) await this.deps.groups?.onPairwise(opened.sender, content);
        return;
      case 'reaction':
      case 'edit':
      case 'delete':
        await this.actions.apply(
          content,
          { self: false, accountId: peer },
          { kind: 'direct', peer },
        );
        return;
      case 'typing':
        if (!opened.identityChanged) await this.receivedTyping(peer, content);
        return;
      case 'disappearingTimer':
        await this.receivedTimer(peer, 'in', content);
        return;
      default:
        return;
    }
  }

  /**
   * What another device of ours sent: a transcript of a message or action it sent, applied here as
   * ours. A device
   * our signed list does not name (removed, or never added by us) is not listened to.
   */
  private async receiveFromOwnDevice(
    ownAccountId: string,
    deviceId: number,
    plaintext: Uint8Array,
  ): Promise<void> {
    if (!(await this.deps.devices.ownListed(deviceId))) {
      this.emit({ type: 'rejected', reason: 'UNLISTED_OWN_DEVICE' });
      return;
    }
    let inner: Content;
    let peer: string;
    let body;
    try {
      const content = decodeContent(plaintext);
      if (OWN_GROUP_CONTENT.has(content.type)) {
        await this.deps.groups?.onPairwise({ accountId: ownAccountId, deviceId }, content);
        return;
      }
      if (content.type === 'sync') {
        await this.deps.sync?.(deviceId, content.record);
        return;
      }
      if (content.type !== 'syncSent') return; // other sync records arrive with their features
      peer = content.peer;
      inner = decodeContent(content.content);
      body = messageBody(inner);
    } catch (error) {
      this.emit({ type: 'rejected', reason: (error as Error).message });
      return;
    }
    if (peer === ownAccountId) return;
    const scope: ActionScope = { kind: 'direct', peer };
    if (isActionContent(inner)) {
      await this.actions.apply(inner, { self: true, accountId: ownAccountId }, scope);
      return;
    }
    if (inner.type === 'disappearingTimer') {
      await this.receivedTimer(peer, 'out', inner); // privacy: set on another of our devices
      return;
    }
    if (body === null) return;
    const id = messageIdHex(inner.messageId);
    if ((await this.deps.contacts.get(peer)) === undefined) await this.adoptContact(peer);
    const message: ChatMessage = {
      id,
      direction: 'out',
      peer,
      ...body,
      sentAt: inner.sentAt,
      storedAt: this.now(),
      mark: 'sent',
      seen: true,
      ...this.expiry(inner),
    };
    if (this.expired(message)) return;
    if ((await this.actions.storeReceived(message, scope)) !== 'held') {
      await this.trackExpiry(message);
    }
  }

  /**
   * A peer another of our devices wrote to, unknown here (this device is new, and contacts do not
   * follow the account yet): pinned from the directory as `addContact` does, trust on first use.
   * Best effort — offline, the transcript is stored all the same.
   */
  private async adoptContact(peer: string): Promise<void> {
    try {
      const entry = await this.deps.api.directory(peer);
      await this.deps.contacts.observe(entry.username, entry.accountKey);
      await this.deps.contacts.acceptDeviceList(entry.username, entry.deviceList);
    } catch {
      // The conversation appears once the contact is added.
    }
  }

  /** The outbox's verdict on one of our messages (receipts go through the ReceiptLedger). */
  private async mark(id: string, mark: DeliveryMark): Promise<void> {
    const row = await this.deps.history.get(this.rowId(id));
    if (row === undefined || row.value.direction !== 'out') return;
    const next = advanceMark(row.value.mark, mark);
    if (next === row.value.mark) return;
    const message = { ...row.value, mark: next };
    await this.deps.history.update(row.id, message);
    this.emit({ type: 'updated', message });
  }

  /**
   * A contact's device built its session on a one-time prekey the relay had already handed out
   * (and we used up): we cannot open what it sends, and it keeps sending on that session until it
   * hears from us. A content-free message (typing: false) on a fresh session of ours makes it
   * switch to that one, so the conversation recovers by itself. Only when we hold no session with
   * that device (EnvelopeCipher), so a replayed start costs at most one such answer.
   */
  private async answerStaleStart(sender: { accountId: string; deviceId: number }): Promise<void> {
    const contact = await this.deps.contacts.get(sender.accountId);
    if (contact === undefined || !canSendTo(contact)) return;
    await this.queue(sender.accountId, [sender.deviceId], {
      type: 'typing',
      messageId: this.deps.p.randomBytes(16),
      sentAt: this.now(),
      typing: false,
    }).catch(() => undefined);
  }

  private async queue(
    peer: string,
    deviceIds: readonly number[],
    content: Content,
    options: QueueOptions = {},
  ): Promise<void> {
    await this.queueEncoded(peer, deviceIds, encodeContent(content), options);
  }

  private async queueEncoded(
    peer: string,
    deviceIds: readonly number[],
    plaintext: Uint8Array,
    options: QueueOptions = {},
  ): Promise<void> {
    const { messageId } = options;
    const fanOut: FanOut | undefined = options.everyDevice
      ? { peer, plaintext, messageId, covered: new Set(deviceIds) }
      : undefined;
    for (const deviceId of deviceIds) {
      const body = await this.encryptFor(peer, deviceId, plaintext);
      const clientId = await this.deps.outbox.enqueue({
        body,
        recipients: [{ username: peer, deviceId }],
        ...(messageId === undefined ? {} : { messageId }),
      });
      if (fanOut !== undefined) this.fanOuts.set(clientId, fanOut);
    }
    // Failures stay queued in the outbox; the next flush (socket open, `online`) retries them.
    this.deps.outbox.flush().catch(() => undefined);
  }

  /**
   * The relay took one envelope of a send and named the recipient account's device-list counter:
   * if that list moved on (a device added a moment ago), fetch and verify it, and send the same
   * plaintext to every device it names that the send did not cover. Signal answers a stale list
   * with a 409 and a resend; here every device has an envelope of its own, so the devices already
   * covered keep theirs and only the new ones get one.
   */
  private async followLists(
    entry: OutboxEntry,
    lists: readonly DeviceListCounter[],
  ): Promise<void> {
    const fanOut = this.fanOuts.get(entry.clientId);
    this.fanOuts.delete(entry.clientId);
    for (const { username, counter } of lists) {
      await this.deps.devices.heard(username, counter);
      if (fanOut?.peer !== username) continue;
      const listed = await this.deps.devices.heldDevices(username);
      // Taken synchronously, so the replies for the send's other envelopes add nothing twice.
      const missing = listed.filter((id) => !fanOut.covered.has(id));
      for (const id of missing) fanOut.covered.add(id);
      if (missing.length === 0) continue;
      await this.queueEncoded(username, missing, fanOut.plaintext, {
        ...(fanOut.messageId === undefined ? {} : { messageId: fanOut.messageId }),
      });
    }
  }

  private encryptFor(peer: string, deviceId: number, plaintext: Uint8Array): Promise<Uint8Array> {
    return this.deps.cipher.encrypt({
      recipient: { accountId: peer, deviceId },
      plaintext,
      fetchBundle: async () => {
        const bundle = (await this.deps.api.bundles(peer, [deviceId])).get(deviceId);
        if (bundle === undefined) {
          throw new ProtocolError('MISSING_PREKEY', `no bundle for ${peer}/${deviceId}`);
        }
        return bundle;
      },
    });
  }

  // — privacy: typing indicators, read receipts, disappearing messages (the rules are in
  //   typing.ts, settings/settings-store.ts and disappearing.ts; these connect them to 1:1 chats)

  private readReceipts(): Promise<boolean> {
    return sharesReadReceipts(this.deps.privacy?.settings);
  }

  /** The conversation's disappearing timer in seconds (0 = off). */
  async disappearingTimer(peer: string): Promise<number> {
    return (await this.deps.privacy?.disappearing.timer(this.conversationId(peer))) ?? 0;
  }

  /**
   * Sets the conversation's disappearing timer (0 turns it off) for both sides and all our
   * devices: a `disappearingTimer` record, shown in every timeline. Later messages carry it.
   */
  async setDisappearingTimer(peer: string, seconds: number): Promise<void> {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 0xffffffff) {
      throw new RangeError('Messenger.setDisappearingTimer: seconds must be a u32');
    }
    await this.assertSendable(peer, 'Messenger.setDisappearingTimer');
    const content: Content = {
      type: 'disappearingTimer',
      messageId: this.deps.p.randomBytes(16),
      sentAt: this.now(),
      seconds,
    };
    await this.receivedTimer(peer, 'out', content);
    await this.queue(peer, await this.deps.devices.contactDevices(peer), content, {
      everyDevice: true,
    });
    await this.sendTranscript(peer, content);
  }

  /** A timer change by us (`out`, from this or another of our devices) or by `peer` (`in`). */
  private async receivedTimer(
    peer: string,
    direction: 'in' | 'out',
    content: Extract<Content, { type: 'disappearingTimer' }>,
  ): Promise<void> {
    const row = await this.deps.privacy?.disappearing.change({
      conversationId: this.conversationId(peer),
      rowId: (id) => this.rowId(id),
      content,
      author: peer,
      fromUs: direction === 'out',
    });
    if (row != null) this.emit({ type: 'message', message: row });
  }

  private async withTimer(peer: string, content: Content): Promise<Content> {
    const seconds = await this.disappearingTimer(peer);
    if (seconds === 0 || (content.type !== 'text' && content.type !== 'attachment')) return content;
    return { ...content, expireSeconds: seconds };
  }

  /** A message's `expiresAt` field (none when it keeps). */
  private expiry(content: Content): Pick<ChatMessage, 'expiresAt'> {
    if (content.type !== 'text' && content.type !== 'attachment') return {};
    const seconds = content.expireSeconds ?? 0;
    return seconds === 0 ? {} : { expiresAt: expiryOf(content.sentAt, seconds, this.now()) };
  }

  private expired(message: ChatMessage): boolean {
    return message.expiresAt !== undefined && message.expiresAt <= this.now();
  }

  private async trackExpiry(message: ChatMessage): Promise<void> {
    if (message.expiresAt === undefined) return;
    await this.deps.privacy?.disappearing.track(this.rowId(message.id), message.expiresAt);
  }

  /** The user is typing to `peer` (call on every input); throttled by Typing. */
  typed(peer: string): Promise<void> {
    return this.deps.privacy?.typing.typed(directConversation(peer)) ?? Promise.resolve();
  }

  /** The user left the field or cleared it: "stopped typing" if "typing" went out. */
  stoppedTyping(peer: string): Promise<void> {
    return this.deps.privacy?.typing.stopped(directConversation(peer)) ?? Promise.resolve();
  }

  /** Who is typing to us in the conversation with `peer` (only ever `peer`). */
  typists(peer: string): string[] {
    return this.deps.privacy?.typing.typists(directConversation(peer)) ?? [];
  }

  /**
   * Sends one typing record to every device of `peer`, straight to the relay: only while the socket
   * is up, never queued, and a failure is dropped (a late indicator is worse than none).
   */
  async sendTyping(peer: string, typing: boolean): Promise<void> {
    if (this.deps.privacy?.online() !== true) return;
    const contact = await this.deps.contacts.get(peer);
    if (contact?.deviceList == null || !canSendTo(contact)) return;
    const plaintext = encodeContent({
      type: 'typing',
      messageId: this.deps.p.randomBytes(16),
      sentAt: this.now(),
      typing,
    });
    try {
      const envelopes = [];
      for (const { deviceId } of decodeDeviceList(contact.deviceList).devices) {
        const body = await this.encryptFor(peer, deviceId, plaintext);
        envelopes.push({ body, recipients: [{ username: peer, deviceId }] });
      }
      await this.deps.api.submit({ clientId: toBase64Url(this.deps.p.randomBytes(16)), envelopes });
    } catch {
      // Offline after all, or a device we cannot reach: the indicator is simply not shown.
    }
  }

  private async receivedTyping(
    peer: string,
    content: Extract<Content, { type: 'typing' }>,
  ): Promise<void> {
    if ((await this.deps.contacts.get(peer))?.muted === true) return;
    await this.deps.privacy?.typing.received({
      conversation: directConversation(peer),
      accountId: peer,
      typing: content.typing,
      sentAt: content.sentAt,
    });
  }
}
