// The number the app shows outside a conversation — in the document title and on the app badge —
// summed from the conversation list's per-conversation unread counts (store/conversation-store.ts).
// Muted and blocked contacts do not count: their messages are kept and counted in their own row,
// but they must not draw attention. Muted groups likewise (until their mute runs out).
import type { GroupSummary } from '../groups/group-messenger';
import { isMuted } from '../groups/group-mutes';
import type { ConversationSummary } from '../messaging/messenger';

export function unreadTotal(
  direct: readonly ConversationSummary[],
  groups: readonly GroupSummary[],
  now: number = Date.now(),
): number {
  let total = 0;
  for (const row of direct) {
    if (!row.contact.muted && !row.contact.blocked) total += row.unread;
  }
  for (const row of groups) if (!isMuted(row.mutedUntil, now)) total += row.unread;
  return total;
}
