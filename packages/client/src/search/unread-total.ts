// The number the app shows outside a conversation — in the document title and on the app badge —
// summed from the conversation list's per-conversation unread counts (store/conversation-store.ts).
// Muted and blocked contacts do not count: their messages are kept and counted in their own row,
// but they must not draw attention. Groups count in full (a group cannot be muted yet).
import type { GroupSummary } from '../groups/group-messenger';
import type { ConversationSummary } from '../messaging/messenger';

export function unreadTotal(
  direct: readonly ConversationSummary[],
  groups: readonly GroupSummary[],
): number {
  let total = 0;
  for (const row of direct) {
    if (!row.contact.muted && !row.contact.blocked) total += row.unread;
  }
  for (const row of groups) total += row.unread;
  return total;
}
