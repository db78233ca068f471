// Where message-actions.ts's rules meet the history: storing a message that arrived (checked
// against a delete that came first) and applying a reaction, edit or delete to the stored row.
// Shared by the 1:1 messenger and the group messenger, so both apply the same rules the same way.
import { messageIdHex, type ChatMessage } from './chat-message';
import {
  applyDelete,
  applyEdit,
  applyReaction,
  deleteTombstone,
  MessageActionError,
  settleTombstone,
  withinDeleteWindow,
  type ActionContent,
  type ActionScope,
  type Actor,
} from './message-actions';
import { KeyedQueue } from './keyed-queue';
import type { MessengerEvent } from './messenger';
import type { AttachmentCache } from '../attachments/attachment-cache';
import type { ConversationStore } from '../store/conversation-store';
import type { MessageStore } from '../store/message-store';
import type { RowCodec } from '../store/row-codec';

/** The history's (blinded) conversation id for a contact's or a group's conversation. */
export function conversationIdFor(codec: RowCodec, scope: ActionScope): string {
  return codec.blindId(
    'messages',
    scope.kind === 'group' ? `group:${scope.groupId}` : `direct:${scope.peer}`,
  );
}

/** The history's (blinded) row id for a message, the same in every conversation. */
export function messageRowId(codec: RowCodec, id: string): string {
  return codec.blindId('messages', `message:${id}`);
}

export interface ActionApplierDeps {
  readonly history: MessageStore<ChatMessage>;
  readonly conversations: ConversationStore;
  readonly codec: RowCodec;
  readonly emit: (event: MessengerEvent) => void;
  readonly now: () => number;
  /** Opened attachments kept on this device: a message deleted for everyone takes its copy along. */
  readonly attachments?: AttachmentCache;
}

/**
 * What storing a received message did: `stored` (new, shows), `settled` (a delete by its author came
 * first: stored deleted) or `held` (already here, a redelivery).
 */
export type StoreOutcome = 'stored' | 'settled' | 'held';

export class ActionApplier {
  /**
   * Changes queued per row. Each change reads a row, computes and writes it back, with awaits in
   * between: our own reaction and one arriving from the socket could both read the same row and
   * the second write drop the first's change (a CI run lost a member's reaction so).
   */
  private readonly rowTurns = new KeyedQueue();

  constructor(private readonly deps: ActionApplierDeps) {}

  private rowId(id: string): string {
    return messageRowId(this.deps.codec, id);
  }

  private conversationId(scope: ActionScope): string {
    return conversationIdFor(this.deps.codec, scope);
  }

  /**
   * Stores a received message (theirs, or ours from another device) in `scope`'s conversation
   * unless already held; a delete that came first (a tombstone) keeps it deleted when that delete
   * was its author's, and is void otherwise.
   */
  storeReceived(message: ChatMessage, scope: ActionScope): Promise<StoreOutcome> {
    return this.rowTurns.run(this.rowId(message.id), () => this.storeReceivedNow(message, scope));
  }

  private async storeReceivedNow(message: ChatMessage, scope: ActionScope): Promise<StoreOutcome> {
    const { history } = this.deps;
    const held = await history.get(this.rowId(message.id));
    if (held !== undefined) {
      if (held.value.awaitingOriginal !== true) return 'held';
      const settled = settleTombstone(held.value, message);
      if (settled !== null) {
        await history.update(held.id, settled);
        return 'settled';
      }
      // Someone else's delete (possibly filed in their conversation), or too late: it is void.
      await history.delete(held.id);
    }
    await history.append(this.conversationId(scope), [
      { id: this.rowId(message.id), value: message },
    ]);
    this.deps.emit({ type: 'message', message });
    return 'stored';
  }

  /**
   * Applies our own reaction, edit or delete here before it is sent; throws MessageActionError
   * TOO_LATE past the delete window, NOT_ALLOWED when it is not ours to do (nothing is sent then).
   */
  async applyOwn(
    content: ActionContent,
    actor: Actor,
    scope: ActionScope,
    context: string,
  ): Promise<void> {
    const row = await this.deps.history.get(this.rowId(messageIdHex(content.target)));
    const refused = new MessageActionError(
      'NOT_ALLOWED',
      `${context}: not a message this applies to`,
    );
    if (row === undefined) throw refused; // our own delete never leaves a tombstone
    if (content.type === 'delete' && !withinDeleteWindow(row.value.sentAt, content.sentAt)) {
      throw new MessageActionError('TOO_LATE', `${context}: past the delete window`);
    }
    if (!(await this.apply(content, actor, scope))) throw refused;
  }

  /**
   * Applies a reaction, edit or delete by `actor` in `scope` (message-actions.ts decides whether it
   * is allowed). A delete for a message not here yet leaves a tombstone. Returns whether anything
   * changed.
   */
  apply(content: ActionContent, actor: Actor, scope: ActionScope): Promise<boolean> {
    const id = messageIdHex(content.target);
    return this.rowTurns.run(this.rowId(id), () => this.applyNow(content, actor, scope, id));
  }

  private async applyNow(
    content: ActionContent,
    actor: Actor,
    scope: ActionScope,
    id: string,
  ): Promise<boolean> {
    const { history } = this.deps;
    const row = await history.get(this.rowId(id));
    if (row === undefined) {
      if (content.type !== 'delete') return false; // a reaction or edit for nothing we hold
      const tombstone = deleteTombstone(id, actor, scope, content.sentAt, this.deps.now());
      await history.append(this.conversationId(scope), [{ id: this.rowId(id), value: tombstone }]);
      return true;
    }
    const message = row.value;
    let next: ChatMessage | null;
    if (content.type === 'reaction') {
      next = applyReaction(message, actor, scope, {
        emoji: content.emoji,
        remove: content.remove,
        at: content.sentAt,
      });
    } else if (content.type === 'edit') {
      next = applyEdit(message, actor, scope, { text: content.text, at: content.sentAt });
    } else {
      next = applyDelete(message, actor, scope, content.sentAt);
    }
    if (next === null) return false;
    await history.update(row.id, next);
    if (next.deleted === true && message.attachment !== undefined) {
      await this.deps.attachments?.delete(message.attachment.blobId);
    }
    if (message.direction === 'in' && !message.seen && next.seen) {
      await this.deps.conversations.addUnread(row.conversationId, -1);
    }
    this.deps.emit({ type: 'updated', message: next });
    return true;
  }
}
