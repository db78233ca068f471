// Storing messages another device of ours had (a history transfer or a history backup file), for
// 1:1 conversations (Messenger) and groups (GroupMessenger) alike: each message once by id — one
// already here is skipped, so a repeated or overlapping import adds nothing twice — a disappearing
// one keeping its expiry (and left out if it has passed), unseen ones counted as unread.
import type { ConversationStore } from '../store/conversation-store';
import type { MessageStore } from '../store/message-store';
import type { ChatMessage } from './chat-message';

export interface ImportTarget {
  readonly history: MessageStore<ChatMessage>;
  readonly conversations: ConversationStore;
  readonly rowId: (id: string) => string;
  readonly now: () => number;
  /** privacy: schedules a stored message's disappearance. */
  readonly trackExpiry: (message: ChatMessage) => Promise<void>;
  readonly onStored: (newest: ChatMessage) => void;
}

/** Stores the messages `belongs` accepts in `conversationId`; returns how many were new. */
export async function importMessages(
  target: ImportTarget,
  options: {
    conversationId: string;
    messages: readonly ChatMessage[];
    belongs: (message: ChatMessage) => boolean;
  },
): Promise<number> {
  const candidates = options.messages.filter(
    (message) =>
      options.belongs(message) &&
      /^[0-9a-f]{32}$/.test(message.id) &&
      (message.expiresAt === undefined || message.expiresAt > target.now()),
  );
  const stored = await target.history.existing(candidates.map((m) => target.rowId(m.id)));
  const rows = new Map<string, ChatMessage>();
  for (const message of candidates) {
    const id = target.rowId(message.id);
    if (!rows.has(id) && !stored.has(id)) rows.set(id, message);
  }
  const fresh = [...rows].map(([id, value]) => ({ id, value }));
  if (fresh.length === 0) return 0;
  await target.history.append(options.conversationId, fresh);
  for (const { value } of fresh) await target.trackExpiry(value);
  const unseen = fresh.filter((m) => m.value.direction === 'in' && !m.value.seen).length;
  if (unseen > 0) await target.conversations.addUnread(options.conversationId, unseen);
  target.onStored(fresh[fresh.length - 1]!.value);
  return fresh.length;
}
