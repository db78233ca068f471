// A message as the history keeps it (vault-encrypted, one row per message) and the rules for its
// delivery marks. Marks only move forward: queued → sent → delivered → read; `failed` is for an
// outgoing message the relay refused for good.
import { toHex, type AttachmentPointer } from '@veil/protocol';

export type DeliveryMark = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

export interface ChatMessage {
  /** Hex of the 16-byte content message id, the same on every device of both sides. */
  readonly id: string;
  readonly direction: 'in' | 'out';
  /** The other party's account id. */
  readonly peer: string;
  readonly text: string;
  /** An image or file (its pointer, key included); `text` is then its caption. */
  readonly attachment?: AttachmentPointer;
  /** When the author's device says it wrote it (ms); shown, never trusted for ordering. */
  readonly sentAt: number;
  /** When this device stored it (ms). */
  readonly storedAt: number;
  readonly mark: DeliveryMark;
  /** Incoming only: the user has seen it (a read receipt went out). */
  readonly seen: boolean;
  /** Set on a group conversation's rows: the group id (base64url); `peer` is then the author. */
  readonly group?: string;
  /** A group timeline row ("alice added bob") rather than a text; see groups/group-timeline.ts. */
  readonly groupEvent?: GroupEvent;
  // Conversation features (message-actions.ts); absent on a plain message.
  /** Hex id of the message this one replies to. */
  readonly replyTo?: string;
  /** Reactor account id → their one reaction. */
  readonly reactions?: Readonly<Record<string, MessageReaction>>;
  /** Every version once edited, oldest first (the original included); `text` is the newest. */
  readonly versions?: readonly MessageVersion[];
  /** Deleted for everyone by its author: `text` is empty, "This message was deleted" shows. */
  readonly deleted?: boolean;
  readonly deletedAt?: number;
  /** A delete that arrived before its message: a placeholder the original is checked against. */
  readonly awaitingOriginal?: boolean;
  // Disappearing messages (disappearing.ts):
  /** When this message disappears from every device (ms); absent when it keeps. */
  readonly expiresAt?: number;
  /** A timeline row saying the conversation's disappearing timer changed (0 = turned off). */
  readonly timerChange?: { readonly seconds: number };
  /** Our own messages: when each recipient's receipts reached this device (receipt-ledger.ts). */
  readonly receipts?: Readonly<Record<string, MemberReceipt>>;
}

/** One recipient's receipts for one of our messages, in this device's clock (ms). */
export interface MemberReceipt {
  readonly deliveredAt?: number;
  readonly readAt?: number;
}

export interface MessageReaction {
  readonly emoji: string;
  /** The reactor's clock (ms), so the newest of their reactions wins. */
  readonly at: number;
}

export interface MessageVersion {
  readonly text: string;
  readonly at: number;
}

/** A change to a group as its timeline shows it; `name` is the new name of a rename. */
export interface GroupEvent {
  readonly type: 'create' | 'add' | 'remove' | 'promote' | 'rename' | 'leave' | 'link';
  readonly actor: string;
  readonly target: string | null;
  readonly name?: string;
}

const MARK_ORDER: Record<DeliveryMark, number> = {
  failed: -1,
  queued: 0,
  sent: 1,
  delivered: 2,
  read: 3,
};

/** The later of two marks; a failure is final only over `queued`. */
export function advanceMark(current: DeliveryMark, next: DeliveryMark): DeliveryMark {
  if (next === 'failed') return current === 'queued' ? 'failed' : current;
  return MARK_ORDER[next] > MARK_ORDER[current] ? next : current;
}

export function messageIdHex(id: Uint8Array): string {
  return toHex(id);
}
