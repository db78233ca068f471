// What reactions, edits and deletes for everyone do to a stored message, as pure functions over a
// `ChatMessage` (no I/O), for 1:1 and group conversations alike. Who may do what is decided here:
// anyone in the conversation may react (one reaction per person, the newest wins); only the author
// may edit; only the author may delete, and only within DELETE_WINDOW_MS of sending. An action that
// is not allowed returns `null`: the caller drops it.
import { fromHex, type Content } from '@veil/protocol';
import type { ChatMessage, MessageReaction, MessageVersion } from './chat-message';

/** The content records that act on an earlier message. */
export type ActionContent = Extract<Content, { readonly type: 'reaction' | 'edit' | 'delete' }>;

export function isActionContent(content: Content): content is ActionContent {
  return content.type === 'reaction' || content.type === 'edit' || content.type === 'delete';
}

/** What the user asked to do to the message with hex id `target`. */
export type ActionIntent =
  | {
      readonly type: 'reaction';
      readonly target: string;
      readonly emoji: string;
      readonly remove: boolean;
    }
  | { readonly type: 'edit'; readonly target: string; readonly text: string }
  | { readonly type: 'delete'; readonly target: string };

/** The content record that carries `intent`, under a fresh message id. */
export function actionContent(
  intent: ActionIntent,
  base: { readonly messageId: Uint8Array; readonly sentAt: number },
): ActionContent {
  const target = fromHex(intent.target);
  if (intent.type === 'reaction') {
    return { ...base, type: 'reaction', target, emoji: intent.emoji, remove: intent.remove };
  }
  if (intent.type === 'edit') return { ...base, type: 'edit', target, text: intent.text };
  return { ...base, type: 'delete', target };
}

/** How long after sending the author may still delete a message for everyone. */
export const DELETE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Why our own reaction, edit or delete was refused, as a stable code the UI turns into a sentence. */
export class MessageActionError extends Error {
  override readonly name = 'MessageActionError';

  constructor(
    readonly code: 'NOT_ALLOWED' | 'TOO_LATE',
    message: string,
  ) {
    super(message);
  }
}

/** Who an action comes from: `self` for us (this device or a transcript from another of ours). */
export interface Actor {
  readonly self: boolean;
  /** Their account id (ours when `self`). */
  readonly accountId: string;
}

/**
 * The conversation an action arrived in: a contact's (by account id) or a group's (by group id).
 * An action only ever touches a message of that conversation, so it cannot reach into another one
 * even when it guessed a message id there.
 */
export type ActionScope =
  | { readonly kind: 'direct'; readonly peer: string }
  | { readonly kind: 'group'; readonly groupId: string };

/** Whether `message` belongs to the conversation `scope` names (a group's timeline rows do not count). */
export function inScope(message: ChatMessage, scope: ActionScope): boolean {
  if (message.groupEvent !== undefined) return false;
  return scope.kind === 'group'
    ? message.group === scope.groupId
    : message.group === undefined && message.peer === scope.peer;
}

/**
 * Whether `actor` wrote `message`. In a 1:1 conversation the peer wrote what came in, we wrote what
 * went out; in a group `peer` is the author, and ours are the outgoing rows.
 */
export function isAuthor(message: ChatMessage, actor: Actor, scope: ActionScope): boolean {
  if (!inScope(message, scope)) return false;
  const direction = actor.self ? 'out' : 'in';
  if (scope.kind === 'group') {
    return message.peer === actor.accountId && message.direction === direction;
  }
  return message.direction === direction;
}

/** Adds, replaces or removes `actor`'s reaction; an older reaction than the one held is ignored. */
export function applyReaction(
  message: ChatMessage,
  actor: Actor,
  scope: ActionScope,
  reaction: { emoji: string; remove: boolean; at: number },
): ChatMessage | null {
  if (!inScope(message, scope) || message.deleted === true) return null;
  const held = message.reactions?.[actor.accountId];
  // Reactions are keyed by sender: a remove also has to be newer, or a late add would resurrect.
  if (held !== undefined && held.at > reaction.at) return null;
  if (reaction.remove && (held === undefined || held.emoji !== reaction.emoji)) return null;
  const others = Object.entries(message.reactions ?? {}).filter(([who]) => who !== actor.accountId);
  const mine: [string, MessageReaction][] = reaction.remove
    ? []
    : [[actor.accountId, { emoji: reaction.emoji, at: reaction.at }]];
  return { ...message, reactions: Object.fromEntries([...others, ...mine]) };
}

/** Emoji → who reacted with it, for a view to show counts and names. */
export function reactionCounts(message: ChatMessage): Map<string, string[]> {
  const counts = new Map<string, string[]>();
  for (const [who, { emoji }] of Object.entries(message.reactions ?? {})) {
    counts.set(emoji, [...(counts.get(emoji) ?? []), who]);
  }
  return counts;
}

/**
 * The author's new text for their message. Every version is kept (the view shows the history); the
 * newest by the author's clock is the text, so edits arriving out of order still settle the same.
 */
export function applyEdit(
  message: ChatMessage,
  actor: Actor,
  scope: ActionScope,
  edit: { text: string; at: number },
): ChatMessage | null {
  if (!isAuthor(message, actor, scope) || message.deleted === true) return null;
  const versions: MessageVersion[] = [
    ...(message.versions ?? [{ text: message.text, at: message.sentAt }]),
  ];
  if (versions.some((v) => v.at === edit.at && v.text === edit.text)) return null; // redelivered
  versions.push({ text: edit.text, at: edit.at });
  versions.sort((a, b) => a.at - b.at);
  return { ...message, text: versions[versions.length - 1]!.text, versions };
}

/** Whether a delete sent at `at` is still within the window for a message sent at `sentAt`. */
export function withinDeleteWindow(sentAt: number, at: number): boolean {
  return at - sentAt <= DELETE_WINDOW_MS;
}

/** The author's delete for everyone: the text, its versions and reactions are gone for good. */
export function applyDelete(
  message: ChatMessage,
  actor: Actor,
  scope: ActionScope,
  at: number,
): ChatMessage | null {
  if (!isAuthor(message, actor, scope) || message.deleted === true) return null;
  if (!withinDeleteWindow(message.sentAt, at)) return null;
  return deletedMessage(message, at);
}

function deletedMessage(message: ChatMessage, at: number): ChatMessage {
  // Rebuilt field by field, so nothing of the deleted text (versions, reactions, quote) survives.
  return {
    id: message.id,
    direction: message.direction,
    peer: message.peer,
    ...(message.group === undefined ? {} : { group: message.group }),
    text: '',
    sentAt: message.sentAt,
    storedAt: message.storedAt,
    mark: message.mark,
    seen: true,
    deleted: true,
    deletedAt: at,
  };
}

/**
 * A delete for a message not received yet: a placeholder under the message's id that remembers
 * who deleted it and when, so the late original is checked against it and never shows.
 */
export function deleteTombstone(
  id: string,
  actor: Actor,
  scope: ActionScope,
  at: number,
  storedAt: number,
): ChatMessage {
  return {
    id,
    direction: actor.self ? 'out' : 'in',
    // As the original would be filed: in a group under its author, in 1:1 under the contact.
    ...(scope.kind === 'group'
      ? { peer: actor.accountId, group: scope.groupId }
      : { peer: scope.peer }),
    text: '',
    sentAt: at,
    storedAt,
    mark: actor.self ? 'sent' : 'delivered',
    seen: true,
    deleted: true,
    deletedAt: at,
    awaitingOriginal: true,
  };
}

/**
 * The original arriving after its delete: it stays deleted when the tombstone came from its author
 * within the window; otherwise (a forged or late delete) `null` and the original is stored as is.
 */
export function settleTombstone(tombstone: ChatMessage, original: ChatMessage): ChatMessage | null {
  if (
    tombstone.direction !== original.direction ||
    tombstone.peer !== original.peer ||
    tombstone.group !== original.group
  )
    return null;
  if (!withinDeleteWindow(original.sentAt, tombstone.deletedAt ?? 0)) return null;
  return deletedMessage({ ...original, storedAt: tombstone.storedAt }, tombstone.deletedAt ?? 0);
}
