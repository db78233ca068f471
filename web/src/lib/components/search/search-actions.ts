// Search intents for the screens, over the unlocked device's MessageSearch (@veil/client): the
// query, and the history pages a view needs to open a hit far back in a conversation (the page
// around it, then pages towards the newest as the user scrolls down). No crypto or indexing here.
import type { ChatMessage, SearchHit, StoredMessage } from '@veil/client';
import { HISTORY_PAGE, veil } from '$lib/veil/veil-app.svelte';

type Rows = StoredMessage<ChatMessage>[];

const device = () => veil.required();

/** A 1:1 conversation's (blinded) history id, from the contact's account id. */
const directConversation = (peer: string): string => device().messenger.conversationId(peer);

export const searchActions = {
  search: (query: string): Promise<SearchHit[]> => device().search.search(query),

  /** The page ending at `seq` and the page after it, in the conversation with `peer`. */
  around: (peer: string, seq: number) =>
    device().search.around({ conversationId: directConversation(peer), seq }, HISTORY_PAGE),

  /** The next page after `afterSeq` with `peer`, oldest first. */
  newer: (peer: string, afterSeq: number): Promise<Rows> =>
    device().search.newer(directConversation(peer), afterSeq, HISTORY_PAGE),

  /** A group's history from a page before `seq` to its newest message (groups load whole). */
  groupFrom: async (groupId: string, seq: number): Promise<Rows> => {
    const search = device().search;
    const conversationId = device().groups.conversationId(groupId);
    const rows: Rows = (await search.around({ conversationId, seq }, HISTORY_PAGE)).rows;
    for (;;) {
      const next = await search.newer(conversationId, rows.at(-1)?.seq ?? seq, HISTORY_PAGE);
      rows.push(...next);
      if (next.length < HISTORY_PAGE) return rows;
    }
  },
};

/** Where a hit opens: its conversation, told which message to show (the view scrolls to it). */
export function hitHref(hit: SearchHit): string {
  const at = `?message=${hit.messageId}&seq=${hit.seq}`;
  return hit.conversation.kind === 'direct'
    ? `/chats/${encodeURIComponent(hit.conversation.peer)}${at}`
    : `/groups/${hit.conversation.groupId}${at}`;
}
