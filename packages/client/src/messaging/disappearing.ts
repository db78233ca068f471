// Disappearing messages, per conversation (a contact or a group, by the history's blinded
// conversation id). Two halves:
//  - the timer each conversation has now: set by a `disappearingTimer` record from either side (or
//    one of our devices), last writer wins by the record's `sentAt` (ties by message id), so every
//    device settles on the same timer whatever order the changes arrive in;
//  - the messages that will disappear: every text or attachment carries the timer its sender had
//    (content record `expireSeconds`), and disappears that long after it was sent, on every device
//    of both sides, with nothing more sent. Its row (and cached attachment) is deleted when due: a
//    timer armed for the next expiry while unlocked, and a sweep at every unlock, so a message due
//    while the vault was locked or the device offline goes at once.
// See docs/protocol.md §7 for the rules and why they were chosen.
import type { AttachmentCache } from '../attachments/attachment-cache';
import type { ConversationStore } from '../store/conversation-store';
import type { MessageStore } from '../store/message-store';
import type { RowCodec } from '../store/row-codec';
import type { VeilDatabase } from '../store/veil-database';
import { messageIdHex, type ChatMessage } from './chat-message';

/** The timers the apps offer, in seconds (0 = off): 30 s, 5 min, 1 h, 1 day, 1 week. */
export const DISAPPEARING_TIMERS = [0, 30, 300, 3600, 86_400, 604_800] as const;

/** The conversation's timer and the record that set it (for last-writer-wins). */
export interface TimerSetting {
  readonly seconds: number;
  readonly sentAt: number;
  /** Hex id of the `disappearingTimer` record: breaks a tie between equal `sentAt`s. */
  readonly id: string;
}

/** Whether `incoming` replaces `current`: a later `sentAt`, or the same one and a greater id. */
export function isNewerTimer(current: TimerSetting | undefined, incoming: TimerSetting): boolean {
  if (current === undefined) return true;
  if (incoming.sentAt !== current.sentAt) return incoming.sentAt > current.sentAt;
  return incoming.id > current.id;
}

/**
 * When a message sent at `sentAt` (its author's clock) with a timer of `seconds` disappears. A
 * `sentAt` in our future counts as now, so a sender's fast clock cannot make a message outlive its
 * timer here.
 */
export function expiryOf(sentAt: number, seconds: number, now: number): number {
  return Math.min(sentAt, now) + seconds * 1000;
}

interface ExpiringEntry {
  /** The message's row id in the history. */
  readonly row: string;
  readonly expiresAt: number;
}

export interface DisappearingDeps {
  readonly db: VeilDatabase;
  readonly codec: RowCodec;
  readonly history: MessageStore<ChatMessage>;
  readonly conversations: ConversationStore;
  readonly attachments?: AttachmentCache;
  /** A message was removed (it expired): views drop it. */
  readonly onRemoved: (message: ChatMessage) => void;
  readonly now: () => number;
}

/** setTimeout's limit; a later expiry re-arms when this one fires. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class Disappearing {
  /** Expiring row id → entry, for every message that will disappear (loaded by `start`). */
  private readonly entries = new Map<string, ExpiringEntry>();
  private armed: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private sweeping: Promise<number> = Promise.resolve(0);

  constructor(private readonly deps: DisappearingDeps) {}

  /** The conversation's current timer in seconds (0 = off). */
  async timer(conversationId: string): Promise<number> {
    return (await this.deps.conversations.get(conversationId))?.timer?.seconds ?? 0;
  }

  /** The conversation's timer with the change that set it (a history transfer carries it). */
  async setting(conversationId: string): Promise<TimerSetting | undefined> {
    return (await this.deps.conversations.get(conversationId))?.timer;
  }

  /**
   * Applies a timer change (from a record, or a transfer or backup file: last writer wins, so an
   * older one never replaces a newer); returns whether it is now the conversation's timer.
   */
  async setTimer(conversationId: string, setting: TimerSetting): Promise<boolean> {
    let applied = false;
    await this.deps.conversations.update(conversationId, (state) => {
      applied = isNewerTimer(state.timer, setting);
      return applied ? { ...state, timer: setting } : state;
    });
    return applied;
  }

  /**
   * Records a timer change: its timeline row (once — a copy already held is ignored), and the new
   * timer if it is the newest. `author` set it; `fromUs` when that is us (any of our devices);
   * `group` for a group conversation. Returns the row when it is new.
   */
  async change(options: {
    conversationId: string;
    rowId: (messageId: string) => string;
    content: { readonly messageId: Uint8Array; readonly sentAt: number; readonly seconds: number };
    author: string;
    fromUs: boolean;
    group?: string;
  }): Promise<ChatMessage | null> {
    const { content, fromUs } = options;
    const id = messageIdHex(content.messageId);
    const rowId = options.rowId(id);
    if ((await this.deps.history.get(rowId)) !== undefined) return null;
    const row: ChatMessage = {
      id,
      direction: fromUs ? 'out' : 'in',
      peer: options.author,
      text: '',
      sentAt: content.sentAt,
      storedAt: this.deps.now(),
      mark: fromUs ? 'sent' : 'delivered',
      seen: true,
      ...(options.group === undefined ? {} : { group: options.group }),
      timerChange: { seconds: content.seconds },
    };
    await this.deps.history.append(options.conversationId, [{ id: rowId, value: row }]);
    await this.setTimer(options.conversationId, {
      seconds: content.seconds,
      sentAt: content.sentAt,
      id,
    });
    return row;
  }

  /** Loads the schedule and removes whatever came due while the vault was locked. */
  async start(): Promise<void> {
    const rows = await this.deps.db.expiring.toArray();
    for (const row of rows) {
      this.entries.set(row.id, this.deps.codec.open('expiring', row.id, row.body) as ExpiringEntry);
    }
    await this.sweep();
  }

  /** Stops the timer (the vault locked); the schedule stays stored for the next unlock. */
  stop(): void {
    this.stopped = true;
    if (this.armed !== null) clearTimeout(this.armed);
    this.armed = null;
  }

  /** Records that the message in `row` disappears at `expiresAt` (at once if that has passed). */
  async track(row: string, expiresAt: number): Promise<void> {
    const id = this.deps.codec.blindId('expiring', row);
    const entry: ExpiringEntry = { row, expiresAt };
    await this.deps.db.expiring.put({ id, body: this.deps.codec.seal('expiring', id, entry) });
    this.entries.set(id, entry);
    if (expiresAt <= this.deps.now()) await this.sweep();
    else this.arm();
  }

  /** Removes every message that is due; returns how many went. Runs one sweep at a time. */
  sweep(): Promise<number> {
    this.sweeping = this.sweeping.then(() => this.removeDue());
    return this.sweeping;
  }

  private async removeDue(): Promise<number> {
    const now = this.deps.now();
    let removed = 0;
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now) continue;
      if (await this.remove(entry.row)) removed++;
      await this.deps.db.expiring.delete(id);
      this.entries.delete(id);
    }
    this.arm();
    return removed;
  }

  /** Deletes one message row (gone already when deleted for me) and what it left behind. */
  private async remove(row: string): Promise<boolean> {
    const stored = await this.deps.history.get(row);
    if (stored === undefined) return false;
    await this.deps.history.delete(row);
    const message = stored.value;
    if (message.direction === 'in' && !message.seen) {
      await this.deps.conversations.addUnread(stored.conversationId, -1);
    }
    if (message.attachment !== undefined) {
      await this.deps.attachments?.delete(message.attachment.blobId);
    }
    this.deps.onRemoved(message);
    return true;
  }

  /** Sets the one timer for the next expiry. */
  private arm(): void {
    if (this.armed !== null) clearTimeout(this.armed);
    this.armed = null;
    if (this.stopped || this.entries.size === 0) return;
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.entries.values()) next = Math.min(next, entry.expiresAt);
    const delay = Math.min(Math.max(0, next - this.deps.now()), MAX_TIMEOUT_MS);
    this.armed = setTimeout(() => {
      this.armed = null;
      void this.sweep();
    }, delay);
  }
}
