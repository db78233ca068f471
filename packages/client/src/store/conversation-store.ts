// Per-conversation bookkeeping that would otherwise need every message decrypted: the number of
// unread incoming messages. One vault-encrypted row per conversation, keyed by the history's
// (blinded) conversation id; the read-modify-write runs in one Dexie transaction so an arriving
// message and "mark seen" never lose each other's change.
import type { TimerSetting } from '../messaging/disappearing';
import type { RowCodec } from './row-codec';
import type { VeilDatabase } from './veil-database';

export interface ConversationState {
  readonly unread: number;
  /** The disappearing-messages timer and the change that set it (absent: never set). */
  readonly timer?: TimerSetting;
}

const EMPTY: ConversationState = { unread: 0 };

export class ConversationStore {
  constructor(
    private readonly db: VeilDatabase,
    private readonly codec: RowCodec,
  ) {}

  /** The state, or undefined for a conversation that predates this store (the caller rebuilds it). */
  async get(conversationId: string): Promise<ConversationState | undefined> {
    const row = await this.db.conversations.get(conversationId);
    return row && (this.codec.open('conversations', row.id, row.body) as ConversationState);
  }

  /** Applies `change` to the stored state (empty when none) atomically; returns the new state. */
  async update(
    conversationId: string,
    change: (state: ConversationState) => ConversationState,
  ): Promise<ConversationState> {
    return this.db.transaction('rw', this.db.conversations, async () => {
      const row = await this.db.conversations.get(conversationId);
      const current = row
        ? (this.codec.open('conversations', row.id, row.body) as ConversationState)
        : EMPTY;
      const next = change(current);
      await this.db.conversations.put({
        id: conversationId,
        // The list is sorted after decrypting its few rows, so no activity time sits in the clear.
        order: 0,
        body: this.codec.seal('conversations', conversationId, next),
      });
      return next;
    });
  }

  /** Adds `delta` (negative to subtract) to the unread count, never going below zero. */
  addUnread(conversationId: string, delta: number): Promise<ConversationState> {
    return this.update(conversationId, (state) => ({
      ...state,
      unread: Math.max(0, state.unread + delta),
    }));
  }

  async delete(conversationId: string): Promise<void> {
    await this.db.conversations.delete(conversationId);
  }
}
