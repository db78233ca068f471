// Groups end to end on one device (DESIGN.md §4): creating and changing a group (every change an
// operation signed by an admin's account key, sent over the pairwise sessions and applied by every
// member's GroupCipher, which refuses anything a non-admin or the relay made up), handing out our
// sender key to whoever needs it, and group messages — encrypted once under our sender key, sealed
// once for every member device (a key record each) and uploaded once for the relay to fan out.
// Group rows live in the same history as 1:1 rows, under a conversation id blinded from the group id.
// Typing indicators and disappearing messages work as in 1:1 chats (messaging/typing.ts,
// messaging/disappearing.ts), over the group channel; the calls into them are marked "privacy".
import {
  decodeContent,
  decodeDeviceList,
  decodeGroupOperation,
  encodeAttachmentPointer,
  encodeContent,
  equalBytes,
  fromHex,
  openFromMany,
  ProtocolError,
  toBase64Url,
  fromBase64Url,
  verifyDeviceCertificate,
  type Ed25519PublicKey,
  type AccountPublic,
  type AttachmentPointer,
  type DeviceCertificate,
  type Content,
  type GroupState,
  type Primitives,
  type X25519PublicKey,
} from '@veil/protocol';
import { canSendTo } from '../contacts/contact';
import type { ContactBook } from '../contacts/contact-book';
import type { DeviceListSync } from '../devices/device-list-sync';
import type { OwnDeviceList } from '../devices/own-device-list';
import type { KeyStore } from '../keys/key-store';
import type { AttachmentCache } from '../attachments/attachment-cache';
import { messageBody } from '../attachments/attachment-content';
import { ActionApplier, conversationIdFor, messageRowId } from '../messaging/action-applier';
import { messageIdHex, type ChatMessage, type GroupEvent } from '../messaging/chat-message';
import { KeyedQueue } from '../messaging/keyed-queue';
import {
  actionContent,
  isActionContent,
  type ActionIntent,
  type ActionScope,
} from '../messaging/message-actions';
import { expiryOf } from '../messaging/disappearing';
import type { GroupHooks, MessengerEvent, PrivacyDeps, ReadMark } from '../messaging/messenger';
import { importMessages } from '../messaging/import-messages';
import { markSeenThrough } from '../messaging/seen-through';
import { groupConversation } from '../messaging/typing';
import type { Outbox, OutboxEvent } from '../messaging/outbox';
import type { DeviceAddress } from '../messaging/session-store';
import type { RelayApi } from '../relay/relay-api';
import type { ConversationStore } from '../store/conversation-store';
import type { MessageStore } from '../store/message-store';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';
import { GroupCipher, type GroupChange } from './group-cipher';
import { GroupLog } from './group-log';
import { GroupInvites } from './invite-links';
import { GroupMutes } from './group-mutes';
import { GroupFanOuts, sealGroupMessage, type GroupTarget } from './group-fan-out';
import { sharesReadReceipts } from '../settings/settings-store';

export interface GroupMessengerDeps {
  readonly p: Primitives;
  readonly api: RelayApi;
  readonly db: VeilDatabase;
  readonly vault: VaultLock;
  readonly keys: KeyStore;
  readonly contacts: ContactBook;
  readonly devices: DeviceListSync;
  readonly ownDevices: OwnDeviceList;
  readonly outbox: Outbox;
  readonly history: MessageStore<ChatMessage>;
  readonly conversations: ConversationStore;
  /** The pairwise channel (Messenger.sendContent): every device of an account, or our own others. */
  readonly sendPairwise: (peer: string, content: Content) => Promise<void>;
  readonly onEvent?: (event: MessengerEvent) => void;
  readonly now?: () => number;
  readonly privacy?: PrivacyDeps;
  /** Opened attachments kept on this device (dropped with a message deleted for everyone). */
  readonly attachments?: AttachmentCache;
  /** The group was read here up to a message: tells our other devices (Messenger's onRead). */
  readonly onRead?: (read: ReadMark) => Promise<void>;
}

/** A group as one device of an account hands it to another (GroupMessenger.exportGroup). */
export interface GroupBundle {
  readonly groupId: string;
  /** The signed operation log, oldest first. */
  readonly operations: readonly Uint8Array[];
  /** Sender-key distributions of every chain the exporting device holds for the group. */
  readonly chains: readonly Uint8Array[];
}

/** One group as the conversation list shows it. */
export interface GroupSummary {
  readonly groupId: string;
  readonly state: GroupState;
  readonly last: ChatMessage | undefined;
  readonly unread: number;
  readonly lastActivity: number;
  /** Muted until then (ms; MUTED_ALWAYS for good), or 0: group-mutes.ts. */
  readonly mutedUntil: number;
}

type ChangeBody = Parameters<GroupCipher['propose']>[1];

/** What a group sends over the pairwise sessions (messageId and sentAt are added when sent). */
type PairwiseBody =
  | { type: 'groupOperation'; operation: Uint8Array }
  | { type: 'senderKeyDistribution'; distribution: Uint8Array }
  | { type: 'receipt'; kind: 'delivered' | 'read'; targets: Uint8Array[] };

export class GroupMessenger implements GroupHooks {
  /** Sender keys that arrived before the operation making their sender a member (in memory). */
  private readonly earlyKeys: { sender: DeviceAddress; distribution: Uint8Array }[] = [];

  private cipherValue: Promise<GroupCipher> | null = null;
  private readonly log: GroupLog;
  private readonly now: () => number;
  private readonly actions: ActionApplier;
  private readonly order = new KeyedQueue();
  /** Invite links and the join requests they bring (invite-links.ts). */
  readonly invites: GroupInvites;
  /** Which groups are muted here (group-mutes.ts); honoured in list(), typing and the unread total. */
  readonly mutes: GroupMutes;
  /** Group sends the relay has not taken yet, followed to devices added meanwhile. */
  private readonly fanOuts: GroupFanOuts;

  constructor(private readonly deps: GroupMessengerDeps) {
    this.log = new GroupLog(deps.db, deps.vault);
    this.mutes = new GroupMutes(deps.db, deps.vault);
    this.now = deps.now ?? Date.now;
    this.actions = new ActionApplier({
      history: deps.history,
      conversations: deps.conversations,
      codec: deps.vault.codec,
      emit: (event) => this.emit(event),
      now: this.now,
      ...(deps.attachments === undefined ? {} : { attachments: deps.attachments }),
    });
    this.invites = new GroupInvites({ ...deps, groups: this, now: this.now });
    this.fanOuts = new GroupFanOuts({
      p: deps.p,
      outbox: deps.outbox,
      devices: deps.devices,
      listed: (username) => this.listedDevices(username),
    });
  }

  /** The outbox's verdict on an entry: a group send may have a device added meanwhile to reach. */
  onOutboxEvent(event: OutboxEvent): Promise<void> {
    return this.fanOuts.onOutboxEvent(event);
  }

  /** Made on first use: a new device has no keys yet when its messenger is made. */
  private cipher(): Promise<GroupCipher> {
    this.cipherValue ??= this.deps.keys.identity().then(
      (identity) =>
        new GroupCipher(this.deps.p, this.deps.db, this.deps.vault, {
          account: identity.account,
          deviceId: identity.device.deviceId,
        }),
    );
    return this.cipherValue;
  }

  private async self(): Promise<string> {
    return (await this.deps.keys.identity()).account.accountId;
  }

  /** The history's (blinded) conversation id for a group. */
  conversationId(groupId: string): string {
    return conversationIdFor(this.deps.vault.codec, { kind: 'group', groupId });
  }

  private rowId(id: string): string {
    return messageRowId(this.deps.vault.codec, id);
  }

  private emit(event: MessengerEvent): void {
    this.deps.onEvent?.(event);
  }

  async state(groupId: string): Promise<GroupState | undefined> {
    return (await this.cipher()).getState(fromBase64Url(groupId));
  }

  history(groupId: string, options: { beforeSeq?: number; limit: number }) {
    return this.deps.history.page(this.conversationId(groupId), options);
  }

  /** Every group this device knows (including ones we left: their history stays readable). */
  async list(): Promise<GroupSummary[]> {
    const rows = await this.deps.db.groups.toArray();
    // Group ids are base64url; the log, invite and mute rows beside them have a `prefix:` id.
    const byId = new Map(rows.map((r) => [r.id, r]));
    const ids = rows.map((r) => r.id).filter((id) => !id.includes(':'));
    const summaries: GroupSummary[] = [];
    for (const groupId of ids) {
      const state = await this.state(groupId);
      if (state === undefined) continue;
      const conversationId = this.conversationId(groupId);
      const last = (await this.deps.history.last(conversationId))?.value;
      const unread = (await this.deps.conversations.get(conversationId))?.unread ?? 0;
      const muteRow = byId.get(GroupMutes.rowId(groupId));
      const mutedUntil = this.mutes.fromRow(muteRow, this.now());
      summaries.push({
        groupId,
        state,
        last,
        unread,
        mutedUntil,
        lastActivity: last?.storedAt ?? 0,
      });
    }
    return summaries.sort((a, b) => b.lastActivity - a.lastActivity);
  }

  /**
   * Marks every incoming row of the group seen, clears its unread count, and tells each author
   * (only them, pairwise: receipt-ledger.ts says why) which of their messages were read.
   */
  async markSeen(groupId: string): Promise<void> {
    const conversationId = this.conversationId(groupId);
    const page = await this.deps.history.page(conversationId, { limit: 200 });
    const read = new Map<string, Uint8Array[]>();
    let newest: string | undefined;
    for (const row of page) {
      if (row.value.direction === 'in' && !row.value.seen) {
        newest = row.value.id;
        await this.deps.history.update(row.id, { ...row.value, seen: true });
        if (row.value.groupEvent === undefined) {
          const ids = read.get(row.value.peer) ?? [];
          read.set(row.value.peer, [...ids, fromHex(row.value.id)]);
        }
      }
    }
    await this.deps.conversations.addUnread(conversationId, Number.NEGATIVE_INFINITY);
    if (newest !== undefined) {
      // Our other devices mark it read too, receipts or not: that stays within the account.
      await this.deps
        .onRead?.({ scope: 'group', conversation: groupId, upTo: newest })
        .catch(() => undefined);
    }
    // privacy: with read receipts off, marked seen here and nothing sent (as in 1:1 chats).
    if (read.size === 0 || !(await sharesReadReceipts(this.deps.privacy?.settings))) return;
    const state = await this.state(groupId);
    for (const [author, targets] of read) {
      const member = state?.members.find((m) => m.accountId === author);
      if (member === undefined) continue; // they left: nobody to tell
      await this.pairwise(member, { type: 'receipt', kind: 'read', targets });
    }
  }

  /**
   * What a new device of our account needs to take part in the group: its signed operation log
   * (the new device rebuilds and verifies the state itself) and every sender-key chain we hold, as
   * distributions from where they stand now.
   */
  async exportGroup(groupId: string): Promise<GroupBundle> {
    const id = fromBase64Url(groupId);
    return {
      groupId,
      operations: await this.log.list(id),
      chains: await (await this.cipher()).chainDistributions(id),
    };
  }

  /**
   * A group another device of ours is in (a history transfer or backup file): its operations
   * applied as if that device had relayed them — each link checked, one already applied skipped —
   * then the chains it forwarded. Becoming a member here makes and distributes our own sender key,
   * once, after the whole log (a key handed out per replayed operation would only be superseded by
   * the next), so the others can read what this device sends. Refused parts are reported.
   */
  async importGroup(bundle: GroupBundle): Promise<void> {
    const identity = await this.deps.keys.identity();
    const from = { accountId: identity.account.accountId, deviceId: identity.device.deviceId };
    const cipher = await this.cipher();
    let applied = false;
    try {
      for (const operation of bundle.operations) {
        if (await this.applyOperation(from, operation, { replay: true })) applied = true;
      }
    } catch (error) {
      // Every later link hangs on the refused one: the rest of the log cannot apply either.
      this.report(error);
    }
    const groupId = fromBase64Url(bundle.groupId);
    if ((await cipher.getState(groupId)) === undefined) return; // its create was refused (reported)
    // Each chain on its own: one the log here refuses (its sender since removed) must not cost the
    // chains after it.
    for (const chain of bundle.chains) {
      try {
        await cipher.acceptForwarded(chain);
      } catch (error) {
        this.report(error);
      }
    }
    if (!applied) return;
    await this.inOrder(bundle.groupId, async () => {
      const state = await cipher.getState(groupId);
      if (state === undefined || !state.members.some((m) => m.accountId === from.accountId)) return;
      await this.distribute(state, await cipher.rotateKey(state.groupId), null);
    });
  }

  /** A ProtocolError is reported to the UI and swallowed; anything else is a bug and rethrown. */
  private report(error: unknown): void {
    if (!(error instanceof ProtocolError)) throw error;
    this.emit({ type: 'rejected', reason: error.code });
  }

  /**
   * Stores group messages another device of ours had (a history transfer or backup file), each
   * once by id, as Messenger.importMessages does for 1:1 history. Returns how many were new.
   */
  importMessages(groupId: string, messages: readonly ChatMessage[]): Promise<number> {
    return importMessages(
      {
        ...this.deps,
        rowId: (id) => this.rowId(id),
        now: this.now,
        trackExpiry: (message) => this.trackExpiry(message),
        onStored: (message) => this.emit({ type: 'updated', message }),
      },
      {
        conversationId: this.conversationId(groupId),
        messages,
        // Timeline rows are this device's own, written as it applies the group's operations.
        belongs: (message) => message.group === groupId && message.groupEvent === undefined,
      },
    );
  }

  /** Another device of ours read the group up to message `upTo` (hex): the same here. */
  async seenElsewhere(groupId: string, upTo: string): Promise<void> {
    const marked = await markSeenThrough(this.deps, {
      conversationId: this.conversationId(groupId),
      upToRowId: this.rowId(upTo),
    });
    if (marked > 0) this.emit({ type: 'read', conversation: groupConversation(groupId) });
  }

  /** Our current fellow members: whose receipts count for our messages in the group. */
  async groupRecipients(groupId: string): Promise<readonly string[] | undefined> {
    const state = await this.state(groupId);
    if (state === undefined) return undefined;
    const self = await this.self();
    return state.members.map((m) => m.accountId).filter((id) => id !== self);
  }

  /** Removes one group message from this device's history ("delete for me"); others keep theirs. */
  async deleteForMe(groupId: string, messageId: string): Promise<void> {
    const row = await this.deps.history.get(this.rowId(messageId));
    if (row === undefined || row.value.group !== groupId) return;
    await this.deps.history.delete(row.id);
    if (row.value.direction === 'in' && !row.value.seen) {
      await this.deps.conversations.addUnread(row.conversationId, -1);
    }
  }

  /** Mutes the group here until `mutedUntil` (ms; MUTED_ALWAYS for good), or unmutes it with 0. */
  async setMuted(groupId: string, mutedUntil: number): Promise<void> {
    await this.mutes.set(groupId, mutedUntil, this.now());
    this.emit({ type: 'group', groupId });
  }

  // — changes, proposed here

  /** Creates a group of us and `memberIds` (contacts we can write to); returns its id. */
  async create(name: string, memberIds: readonly string[]): Promise<string> {
    const members: AccountPublic[] = [];
    for (const id of memberIds) members.push(await this.sendableContact(id));
    const cipher = await this.cipher();
    const change = await cipher.create(name, members);
    await this.afterChange({ change, operation: change.operation, before: null, from: null });
    return toBase64Url(change.state.groupId);
  }

  add(groupId: string, accountId: string): Promise<void> {
    return this.sendableContact(accountId).then((member) =>
      this.propose(groupId, { type: 'add', member }),
    );
  }

  remove(groupId: string, accountId: string): Promise<void> {
    return this.propose(groupId, { type: 'remove', accountId });
  }

  /** Makes a member an admin, and hands them the group's invite link if this device holds it. */
  async promote(groupId: string, accountId: string): Promise<void> {
    await this.propose(groupId, { type: 'promote', accountId });
    await this.invites.shareSecret(groupId, accountId);
  }

  /** Sets (or with null, revokes) the group's invite-link key: invite-links.ts. */
  setInviteKey(groupId: string, inviteKey: Ed25519PublicKey | null): Promise<void> {
    return this.propose(groupId, { type: 'link', inviteKey });
  }

  rename(groupId: string, name: string): Promise<void> {
    return this.propose(groupId, { type: 'rename', name });
  }

  leave(groupId: string): Promise<void> {
    return this.propose(groupId, { type: 'leave' });
  }

  private async propose(groupId: string, body: ChangeBody): Promise<void> {
    const cipher = await this.cipher();
    const before = await cipher.getState(fromBase64Url(groupId));
    if (before === undefined)
      throw new ProtocolError('UNKNOWN_SENDER', 'GroupMessenger: unknown group');
    await this.inOrder(groupId, async () => {
      const change = await cipher.propose(before.groupId, body);
      await this.afterChange({ change, operation: change.operation, before, from: null });
    });
  }

  /**
   * Runs a group change (and what it sends) or a group send one at a time per group: a message
   * sent the moment a change shows must not be queued before the sender key that change hands
   * out, or members would get a message they cannot open yet (the outbox sends in order).
   */
  private inOrder(groupId: string, work: () => Promise<void>): Promise<void> {
    return this.order.run(groupId, work);
  }

  // — what follows an applied operation, on the proposer and on every member alike

  /**
   * Records the operation, writes the timeline row, and sends what others now need: the operation
   * itself (proposer only) to everyone who was or is a member and to our own other devices, the whole
   * log to a member just added, and our sender key to whoever lacks it.
   */
  private async afterChange(options: {
    change: GroupChange;
    operation: Uint8Array;
    before: GroupState | null;
    from: DeviceAddress | null;
    /** Replaying an imported log: importGroup distributes our sender key once, at the end. */
    replay?: boolean;
  }): Promise<void> {
    const { change, operation, before, from } = options;
    const { state, effect } = change;
    const self = await this.self();
    const groupId = toBase64Url(state.groupId);
    await this.log.append(state.groupId, operation);
    await this.timeline(groupId, {
      type: effect.type,
      actor: effect.actor,
      target: effect.target,
      ...(effect.type === 'rename' || effect.type === 'create' ? { name: state.name } : {}),
    });
    this.emit({ type: 'group', groupId });
    const isMember = state.members.some((m) => m.accountId === self);

    if (from === null) {
      // Everyone who was or is a member learns of it (a removed member, that it was removed).
      const told = new Map<string, AccountPublic>();
      for (const m of [...(before?.members ?? []), ...state.members]) told.set(m.accountId, m);
      told.delete(self);
      const joined = effect.type === 'add' ? effect.target : null;
      for (const member of told.values()) {
        if (member.accountId === joined) continue;
        await this.pairwise(member, { type: 'groupOperation', operation });
      }
      await this.deps.sendPairwise(self, this.content({ type: 'groupOperation', operation }));
      if (joined !== null) {
        // The joiner builds the group from its first operation, checking every link of the chain.
        const member = told.get(joined)!;
        for (const op of await this.log.list(state.groupId)) {
          await this.pairwise(member, { type: 'groupOperation', operation: op });
        }
      }
    }

    if (!isMember || options.replay === true) return;
    const cipher = await this.cipher();
    let distribution = change.distribution;
    if (effect.type === 'add' && effect.target === self && from !== null) {
      distribution = await cipher.rotateKey(state.groupId); // we joined: a chain at today's epoch
    }
    if (distribution !== null) {
      await this.distribute(state, distribution, null);
    } else if (effect.type === 'add' && effect.target !== null && effect.target !== self) {
      await this.distribute(state, await cipher.distributionFor(state.groupId), effect.target);
    }
  }

  /** Our sender key to every member's devices and our own other devices (or to one member only). */
  private async distribute(
    state: GroupState,
    distribution: Uint8Array,
    only: string | null,
  ): Promise<void> {
    const self = await this.self();
    const content = { type: 'senderKeyDistribution', distribution } as const;
    for (const member of state.members) {
      if (member.accountId === self || (only !== null && member.accountId !== only)) continue;
      await this.pairwise(member, content);
    }
    if (only === null) await this.deps.sendPairwise(self, this.content(content));
  }

  private async pairwise(member: AccountPublic, body: PairwiseBody): Promise<void> {
    try {
      await this.ensureContact(member);
      await this.deps.sendPairwise(member.accountId, this.content(body));
    } catch {
      // One unreachable member (key change pending, blocked, directory offline) must not stop the
      // rest; the UI hears of it.
      this.emit({ type: 'rejected', reason: `GROUP_UNREACHABLE:${member.accountId}` });
    }
  }

  private content(body: PairwiseBody): Content {
    return { ...body, messageId: this.deps.p.randomBytes(16), sentAt: this.now() };
  }

  /**
   * A member who is not yet a contact (another member added them), or one pinned from a message
   * without a device list yet (a join request): pinned from the directory, but only under the
   * account key the group's signed state (or an invite link) records for them.
   */
  async ensureContact(member: AccountPublic): Promise<void> {
    const contact = await this.deps.contacts.get(member.accountId);
    if (contact !== undefined) {
      if (!equalBytes(contact.accountKey, member.accountKey))
        throw new ProtocolError(
          'UNTRUSTED_IDENTITY',
          'GroupMessenger: member key differs from pinned',
        );
      if (contact.deviceList !== null) return;
    }
    const entry = await this.deps.api.directory(member.accountId);
    if (!equalBytes(entry.accountKey, member.accountKey))
      throw new ProtocolError('UNTRUSTED_IDENTITY', 'GroupMessenger: directory key differs');
    if (contact === undefined) await this.deps.contacts.observe(entry.username, entry.accountKey);
    await this.deps.contacts.acceptDeviceList(entry.username, entry.deviceList);
  }

  private async sendableContact(accountId: string): Promise<AccountPublic> {
    const contact = await this.deps.contacts.get(accountId);
    if (contact === undefined || contact.deviceList === null || !canSendTo(contact)) {
      throw new ProtocolError(
        'UNTRUSTED_IDENTITY',
        'GroupMessenger: not a contact we can write to',
      );
    }
    return { accountId: contact.accountId, accountKey: contact.accountKey };
  }

  private async timeline(groupId: string, event: GroupEvent): Promise<void> {
    const id = messageIdHex(this.deps.p.randomBytes(16));
    const message: ChatMessage = {
      id,
      direction: 'in',
      peer: event.actor,
      text: '',
      sentAt: this.now(),
      storedAt: this.now(),
      mark: 'delivered',
      seen: true,
      group: groupId,
      groupEvent: event,
    };
    await this.deps.history.append(this.conversationId(groupId), [
      { id: this.rowId(id), value: message },
    ]);
    this.emit({ type: 'message', message });
  }

  // — pairwise arrivals: operations and sender keys

  async onPairwise(sender: DeviceAddress, content: Content): Promise<void> {
    try {
      if (content.type === 'groupOperation') {
        await this.applyOperation(sender, content.operation);
        await this.retryEarlyKeys();
      }
      if (content.type === 'joinRequest') await this.invites.onRequest(sender, content);
      if (content.type === 'joinDeclined') await this.invites.onDeclined(sender, content);
      if (content.type === 'inviteSecret') await this.invites.onSecret(sender, content);
      if (content.type === 'senderKeyDistribution') {
        try {
          await (await this.cipher()).acceptDistribution(sender, content.distribution);
        } catch (error) {
          // A newcomer's key can overtake the admin's operation that adds them (they travel from
          // different people): keep it until an operation is applied, instead of losing it.
          if (!isNotYetMember(error)) throw error;
          this.earlyKeys.push({ sender, distribution: content.distribution });
          if (this.earlyKeys.length > MAX_EARLY_KEYS) this.earlyKeys.shift();
        }
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.emit({ type: 'rejected', reason: error.code });
    }
  }

  /** Sender keys kept by onPairwise, tried again now that the group state moved on. */
  private async retryEarlyKeys(): Promise<void> {
    const cipher = await this.cipher();
    for (const early of this.earlyKeys.splice(0)) {
      try {
        await cipher.acceptDistribution(early.sender, early.distribution);
      } catch (error) {
        if (!isNotYetMember(error)) continue;
        this.earlyKeys.push(early);
      }
    }
  }

  /** Applies one operation relayed by `sender`; false if it was applied already. */
  private async applyOperation(
    sender: DeviceAddress,
    operation: Uint8Array,
    options: { replay?: boolean } = {},
  ): Promise<boolean> {
    const op = decodeGroupOperation(operation);
    const cipher = await this.cipher();
    const before = (await cipher.getState(op.groupId)) ?? null;
    const self = await this.self();
    // Already applied (an operation is sent to several devices of ours, and is in imported logs).
    if (before !== null && op.epoch <= before.epoch) return false;
    let creator: AccountPublic | undefined;
    if (op.body.type === 'create') {
      // Normally the creator writes to us, under the key we pinned; a joiner replaying the log it
      // was sent takes the creator's key from the create itself, as every later link is checked.
      const pinned =
        sender.accountId === self
          ? (await this.deps.keys.identity()).account
          : await this.deps.contacts.get(sender.accountId);
      creator =
        sender.accountId === op.signer && pinned !== undefined
          ? { accountId: pinned.accountId, accountKey: pinned.accountKey }
          : op.body.members.find((m) => m.accountId === op.signer);
    } else if (before !== null && sender.accountId !== self) {
      // Only a member (under the key the group records) relays a group's operations to us.
      const member = before.members.find((m) => m.accountId === sender.accountId);
      const contact = await this.deps.contacts.get(sender.accountId);
      if (
        member === undefined ||
        contact === undefined ||
        !equalBytes(member.accountKey, contact.accountKey)
      )
        throw new ProtocolError('NOT_AUTHORIZED', 'GroupMessenger: operation from a non-member');
    }
    await this.inOrder(toBase64Url(op.groupId), async () => {
      const change = await cipher.apply(operation, creator);
      await this.afterChange({ change, operation, before, from: sender, ...options });
    });
    return true;
  }

  // — group messages

  /**
   * Encrypts `text` once under our sender key and uploads it once for every member device;
   * `replyTo` is the hex id of the message it answers.
   */
  sendText(groupId: string, text: string, replyTo?: string): Promise<ChatMessage> {
    return this.sendMessage(groupId, {
      type: 'text',
      messageId: this.deps.p.randomBytes(16),
      sentAt: this.now(),
      text,
      replyTo: replyTo === undefined ? null : fromHex(replyTo),
    });
  }

  /**
   * Like sendText, for an attachment already uploaded (attachments/attachment-upload.ts): the
   * pointer (blob id, key, digest, thumbnail) travels inside the sender-key-encrypted record, so
   * one encryption serves every member, and only members of the current epoch get its key.
   */
  sendAttachment(
    groupId: string,
    pointer: AttachmentPointer,
    caption = '',
    replyTo?: string,
  ): Promise<ChatMessage> {
    return this.sendMessage(groupId, {
      type: 'attachment',
      messageId: this.deps.p.randomBytes(16),
      sentAt: this.now(),
      pointer: encodeAttachmentPointer(pointer),
      caption,
      replyTo: replyTo === undefined ? null : fromHex(replyTo),
    });
  }

  private async sendMessage(
    groupId: string,
    untimed: Extract<Content, { type: 'text' | 'attachment' }>,
  ): Promise<ChatMessage> {
    await this.memberState(groupId, 'GroupMessenger.sendText');
    // privacy: the message carries the group's disappearing timer as it is now.
    const seconds = await this.disappearingTimer(groupId);
    const content = seconds === 0 ? untimed : { ...untimed, expireSeconds: seconds };
    // Encoded before it is stored (and again when sent; it is cheap): a text over the protocol's
    // limit is refused, not left queued.
    encodeContent(content);
    const message: ChatMessage = {
      id: messageIdHex(content.messageId),
      direction: 'out',
      peer: await this.self(),
      ...messageBody(content)!,
      sentAt: content.sentAt,
      storedAt: this.now(),
      mark: 'queued',
      seen: true,
      group: groupId,
      ...(seconds === 0 ? {} : { expiresAt: expiryOf(content.sentAt, seconds, this.now()) }),
    };
    await this.deps.history.append(this.conversationId(groupId), [
      { id: this.rowId(message.id), value: message },
    ]);
    await this.trackExpiry(message);
    void this.deps.privacy?.typing.stopped(groupConversation(groupId));
    await this.broadcast(groupId, content, message.id);
    return message;
  }

  /** Reacts to a group message with `emoji` (replacing our earlier reaction), or takes it back. */
  react(groupId: string, messageId: string, emoji: string, remove = false): Promise<void> {
    const intent = { type: 'reaction', target: messageId, emoji, remove } as const;
    return this.act(groupId, intent, 'GroupMessenger.react');
  }

  /** Replaces the text of one of our own group messages; earlier versions stay viewable. */
  edit(groupId: string, messageId: string, text: string): Promise<void> {
    return this.act(groupId, { type: 'edit', target: messageId, text }, 'GroupMessenger.edit');
  }

  /** Deletes one of our own group messages for every member, within DELETE_WINDOW_MS. */
  deleteForEveryone(groupId: string, messageId: string): Promise<void> {
    const intent = { type: 'delete', target: messageId } as const;
    return this.act(groupId, intent, 'GroupMessenger.deleteForEveryone');
  }

  /** Applies our action here first (refused if not ours to do), then sends it to the group. */
  private async act(groupId: string, intent: ActionIntent, context: string): Promise<void> {
    await this.memberState(groupId, context);
    const content = actionContent(intent, {
      messageId: this.deps.p.randomBytes(16),
      sentAt: this.now(),
    });
    const actor = { self: true, accountId: await this.self() };
    await this.actions.applyOwn(content, actor, { kind: 'group', groupId }, context);
    await this.broadcast(groupId, content);
  }

  /** The group's state, if we are a member of it; NOT_AUTHORIZED otherwise. */
  private async memberState(groupId: string, context: string): Promise<GroupState> {
    const state = await (await this.cipher()).getState(fromBase64Url(groupId));
    const self = await this.self();
    if (state === undefined || !state.members.some((m) => m.accountId === self)) {
      throw new ProtocolError('NOT_AUTHORIZED', `${context}: not a member`);
    }
    return state;
  }

  /**
   * Encrypts `content` once under our sender key and queues it once for every member device (and
   * our own others); `messageId` ties the outbox's verdict to the message row it carries.
   */
  private broadcast(groupId: string, content: Content, messageId?: string): Promise<void> {
    return this.inOrder(groupId, async () => {
      // Read again in turn: a change that ran first may have added or removed members.
      const state = await this.memberState(groupId, 'GroupMessenger.broadcast');
      await this.fanOut(state, content, messageId);
    });
  }

  private async fanOut(state: GroupState, content: Content, messageId?: string): Promise<void> {
    const message = await this.encrypt(state, content);
    await this.fanOuts.send({ ...message, ...(messageId === undefined ? {} : { messageId }) });
  }

  /** `content` encrypted once under our sender key, and the member devices it goes to. */
  private async encrypt(
    state: GroupState,
    content: Content,
  ): Promise<{ certificate: DeviceCertificate; message: Uint8Array; targets: GroupTarget[] }> {
    const cipher = await this.cipher();
    const identity = await this.deps.keys.identity();
    const message = await cipher.encrypt(state.groupId, encodeContent(content));
    const targets = await this.memberDevices(state);
    return { certificate: identity.certificate, message, targets };
  }

  /** Every device of every other member (their verified lists) and our own other devices. */
  private async memberDevices(state: GroupState): Promise<GroupTarget[]> {
    const self = await this.self();
    const targets: GroupTarget[] = [];
    for (const member of state.members) {
      if (member.accountId === self) continue;
      try {
        await this.ensureContact(member);
      } catch {
        continue; // not reachable now; they miss this message, as with a 1:1 key change
      }
      await this.deps.devices.contactDevices(member.accountId); // refreshes a stale list
      targets.push(...(await this.listedDevices(member.accountId)));
    }
    await this.deps.devices.ownOtherDevices(); // refreshes our own list when stale
    targets.push(...(await this.listedDevices(self)));
    return targets;
  }

  /**
   * The devices a group message to `accountId` goes to by the list held now: a contact we can
   * write to (not blocked, no key change pending), or our own other devices.
   */
  private async listedDevices(accountId: string): Promise<GroupTarget[]> {
    const identity = await this.deps.keys.identity();
    const own = identity.account.accountId === accountId;
    let devices: readonly { deviceId: number; identityKey: X25519PublicKey }[];
    if (own) {
      devices = ((await this.deps.ownDevices.get())?.devices ?? []).filter(
        (d) => d.deviceId !== identity.device.deviceId,
      );
    } else {
      const contact = await this.deps.contacts.get(accountId);
      if (contact?.deviceList == null || !canSendTo(contact) || contact.blocked) return [];
      devices = decodeDeviceList(contact.deviceList).devices;
    }
    return devices.map((d) => ({
      username: accountId,
      deviceId: d.deviceId,
      identityKey: d.identityKey,
    }));
  }

  /** A group message for this device. Never throws for bad input: reported and dropped. */
  async onEnvelope(body: Uint8Array, keyRecord: Uint8Array): Promise<void> {
    try {
      await this.openGroupMessage(body, keyRecord);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.emit({ type: 'rejected', reason: error.code });
    }
  }

  private async openGroupMessage(body: Uint8Array, keyRecord: Uint8Array): Promise<void> {
    const identity = await this.deps.keys.identity();
    const payload = openFromMany(this.deps.p, {
      identity: identity.device.identity,
      body,
      keyRecord,
    });
    if (payload.kind !== 'group')
      throw new ProtocolError('MALFORMED', 'GroupMessenger: not a group payload');
    const certificate = payload.certificate;
    verifyDeviceCertificate(this.deps.p, {
      certificate,
      expected: { accountId: certificate.accountId, accountKey: certificate.accountKey },
    });
    const cipher = await this.cipher();
    const opened = await cipher.decrypt(payload.body);
    const groupId = toBase64Url(opened.groupId);
    const state = await cipher.getState(opened.groupId);
    const member = state?.members.find((m) => m.accountId === certificate.accountId);
    if (
      opened.sender.accountId !== certificate.accountId ||
      opened.sender.deviceId !== certificate.deviceId ||
      member === undefined ||
      !equalBytes(member.accountKey, certificate.accountKey)
    ) {
      throw new ProtocolError(
        'UNKNOWN_SENDER',
        'GroupMessenger: certificate and sender key disagree',
      );
    }
    const content = decodeContent(opened.plaintext);
    const fromUs = certificate.accountId === identity.account.accountId;
    const scope: ActionScope = { kind: 'group', groupId };
    if (isActionContent(content)) {
      // The sender is a member (checked above); only the author's own edit or delete applies.
      await this.actions.apply(content, { self: fromUs, accountId: certificate.accountId }, scope);
      return;
    }
    // privacy: typing indicators and timer changes
    if (content.type === 'typing') {
      if (!fromUs) await this.receivedTyping(groupId, certificate.accountId, content);
      return;
    }
    if (content.type === 'disappearingTimer') {
      await this.receivedTimer(groupId, certificate.accountId, fromUs, content);
      return;
    }
    if (content.type !== 'text' && content.type !== 'attachment') return; // the rest: their features
    if (!fromUs) this.deps.privacy?.typing.sent(groupConversation(groupId), certificate.accountId);
    const seconds = content.expireSeconds ?? 0;
    const expiresAt = seconds === 0 ? undefined : expiryOf(content.sentAt, seconds, this.now());
    if (expiresAt !== undefined && expiresAt <= this.now()) return; // gone before it arrived
    const message: ChatMessage = {
      id: messageIdHex(content.messageId),
      direction: fromUs ? 'out' : 'in',
      peer: certificate.accountId,
      ...messageBody(content)!,
      sentAt: content.sentAt,
      storedAt: this.now(),
      mark: fromUs ? 'sent' : 'delivered',
      seen: fromUs,
      group: groupId,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
    const outcome = await this.actions.storeReceived(message, scope);
    if (outcome === 'stored' && !fromUs) {
      await this.deps.conversations.addUnread(this.conversationId(groupId), 1);
      // `member` is the sender as the group records them (checked above): no second state read.
      await this.pairwise(member, {
        type: 'receipt',
        kind: 'delivered',
        targets: [content.messageId],
      });
    }
    if (outcome !== 'held') await this.trackExpiry(message);
  }

  // — privacy: typing indicators and disappearing messages in groups

  /** The group's disappearing timer in seconds (0 = off). */
  async disappearingTimer(groupId: string): Promise<number> {
    return (await this.deps.privacy?.disappearing.timer(this.conversationId(groupId))) ?? 0;
  }

  /** Sets the group's disappearing timer for every member (any member may, as in Signal). */
  async setDisappearingTimer(groupId: string, seconds: number): Promise<void> {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 0xffffffff) {
      throw new RangeError('GroupMessenger.setDisappearingTimer: seconds must be a u32');
    }
    await this.memberState(groupId, 'GroupMessenger.setDisappearingTimer');
    const self = await this.self();
    const content: Content = {
      type: 'disappearingTimer',
      messageId: this.deps.p.randomBytes(16),
      sentAt: this.now(),
      seconds,
    };
    await this.receivedTimer(groupId, self, true, content);
    await this.broadcast(groupId, content);
  }

  private async receivedTimer(
    groupId: string,
    author: string,
    fromUs: boolean,
    content: Extract<Content, { type: 'disappearingTimer' }>,
  ): Promise<void> {
    const row = await this.deps.privacy?.disappearing.change({
      conversationId: this.conversationId(groupId),
      rowId: (id) => this.rowId(id),
      content,
      author,
      fromUs,
      group: groupId,
    });
    if (row != null) this.emit({ type: 'message', message: row });
  }

  private async trackExpiry(message: ChatMessage): Promise<void> {
    if (message.expiresAt === undefined) return;
    await this.deps.privacy?.disappearing.track(this.rowId(message.id), message.expiresAt);
  }

  /** The user is typing in the group (call on every input); throttled by Typing. */
  typed(groupId: string): Promise<void> {
    return this.deps.privacy?.typing.typed(groupConversation(groupId)) ?? Promise.resolve();
  }

  stoppedTyping(groupId: string): Promise<void> {
    return this.deps.privacy?.typing.stopped(groupConversation(groupId)) ?? Promise.resolve();
  }

  /** Who is typing in the group now. */
  typists(groupId: string): string[] {
    return this.deps.privacy?.typing.typists(groupConversation(groupId)) ?? [];
  }

  /** One typing record to every member device, straight to the relay: now or never. */
  async sendTyping(groupId: string, typing: boolean): Promise<void> {
    if (this.deps.privacy?.online() !== true) return;
    try {
      const state = await this.memberState(groupId, 'GroupMessenger.sendTyping');
      const content: Content = {
        type: 'typing',
        messageId: this.deps.p.randomBytes(16),
        sentAt: this.now(),
        typing,
      };
      const { certificate, message, targets } = await this.encrypt(state, content);
      if (targets.length === 0) return;
      const envelopes = sealGroupMessage(this.deps.p, certificate, message, targets);
      await this.deps.api.submit({ clientId: toBase64Url(this.deps.p.randomBytes(16)), envelopes });
    } catch {
      // Offline after all, or no longer a member: the indicator is simply not shown.
    }
  }

  private async receivedTyping(
    groupId: string,
    author: string,
    content: Extract<Content, { type: 'typing' }>,
  ): Promise<void> {
    const contact = await this.deps.contacts.get(author);
    if (contact?.blocked === true || contact?.muted === true) return;
    if ((await this.mutes.mutedUntil(groupId, this.now())) !== 0) return;
    await this.deps.privacy?.typing.received({
      conversation: groupConversation(groupId),
      accountId: author,
      typing: content.typing,
      sentAt: content.sentAt,
    });
  }
}

/** Early sender keys kept at most (oldest dropped): a bound on what a stranger can make us hold. */
const MAX_EARLY_KEYS = 64;

/** The refusals that mean "not a member here yet" (unknown group, or not in its member list). */
function isNotYetMember(error: unknown): boolean {
  return (
    error instanceof ProtocolError &&
    (error.code === 'NOT_AUTHORIZED' || error.code === 'UNKNOWN_SENDER')
  );
}
