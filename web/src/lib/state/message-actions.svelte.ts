// Replies, reactions, edits and deletes as intents for the conversation screens, 1:1 and group
// alike: each goes to the messenger the conversation belongs to (Messenger for a contact,
// GroupMessenger for a group) and bumps the app's revision so the view re-reads. The rules (who may
// edit, the delete window) live in @veil/client; `canDeleteForEveryone` only decides whether to
// offer the button.
import { DELETE_WINDOW_MS, type ChatMessage } from '@veil/client';
import { veil } from '$lib/veil/veil-app.svelte';

/** The conversation a screen shows: a contact's (by account id) or a group's (by group id). */
export type ConversationRef =
  | { readonly kind: 'direct'; readonly peer: string }
  | { readonly kind: 'group'; readonly groupId: string };

async function changed(work: Promise<unknown>): Promise<void> {
  await work;
  veil.revision++;
}

export function messageActions(ref: ConversationRef) {
  const device = () => veil.required();
  const direct = ref.kind === 'direct';
  const id = direct ? ref.peer : ref.groupId;
  return {
    send: (text: string, replyTo?: string) =>
      changed(
        direct
          ? device().messenger.sendText(id, text, replyTo)
          : device().groups.sendText(id, text, replyTo),
      ),
    react: (message: ChatMessage, emoji: string, remove = false) =>
      changed(
        direct
          ? device().messenger.react(id, message.id, emoji, remove)
          : device().groups.react(id, message.id, emoji, remove),
      ),
    edit: (message: ChatMessage, text: string) =>
      changed(
        direct
          ? device().messenger.edit(id, message.id, text)
          : device().groups.edit(id, message.id, text),
      ),
    deleteForEveryone: (message: ChatMessage) =>
      changed(
        direct
          ? device().messenger.deleteForEveryone(id, message.id)
          : device().groups.deleteForEveryone(id, message.id),
      ),
    deleteForMe: (message: ChatMessage) =>
      changed(
        direct
          ? device().messenger.deleteForMe(id, message.id)
          : device().groups.deleteForMe(id, message.id),
      ),
  };
}

export type MessageActions = ReturnType<typeof messageActions>;

/** Whether a message is ours, a plain message (not a timeline row), and not deleted. */
export function isOwnLive(message: ChatMessage): boolean {
  return (
    message.direction === 'out' && message.deleted !== true && message.groupEvent === undefined
  );
}

/** Whether to offer "Delete for everyone": our own message, still within the author's window. */
export function canDeleteForEveryone(message: ChatMessage, now = Date.now()): boolean {
  return isOwnLive(message) && now - message.sentAt <= DELETE_WINDOW_MS;
}
