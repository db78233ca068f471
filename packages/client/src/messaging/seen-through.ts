// Read state that follows the account: a conversation read on one device is marked read on the
// account's other devices too, up to the newest message that device marked (a `read` sync record,
// devices/sync-own-devices.ts). Only rows are marked here; no receipt goes to anyone — the device
// that was read on sent those (or, with read receipts off, none), so contacts learn nothing more.
import type { ConversationStore } from '../store/conversation-store';
import type { MessageStore, StoredMessage } from '../store/message-store';
import type { ChatMessage } from './chat-message';

const PAGE = 200;

/**
 * Marks every unseen incoming row of `conversationId` up to and including row `upToRowId` seen and
 * lowers the unread count by as many; returns how many were marked. Unseen rows sit at the end of
 * the history, so pages are read backwards from that row until one holds none. A row that is not
 * here (not yet arrived, or deleted) marks nothing: a later read on the other device moves it on.
 */
export async function markSeenThrough(
  deps: { history: MessageStore<ChatMessage>; conversations: ConversationStore },
  options: { conversationId: string; upToRowId: string },
): Promise<number> {
  const { history, conversations } = deps;
  const through = await history.get(options.upToRowId);
  if (through === undefined || through.conversationId !== options.conversationId) return 0;
  const unseen: StoredMessage<ChatMessage>[] = [];
  let beforeSeq = through.seq + 1;
  for (;;) {
    const page = await history.page(options.conversationId, { beforeSeq, limit: PAGE });
    const inPage = page.filter((m) => m.value.direction === 'in' && !m.value.seen);
    unseen.push(...inPage);
    if (inPage.length === 0 || page.length < PAGE) break;
    beforeSeq = page[0]!.seq;
  }
  for (const row of unseen) await history.update(row.id, { ...row.value, seen: true });
  if (unseen.length > 0) await conversations.addUnread(options.conversationId, -unseen.length);
  return unseen.length;
}
