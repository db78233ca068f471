// Delivery and read receipts for our own messages, kept per recipient: when each member's
// "delivered" and "read" arrived, for the message-details view, and the message's one mark (✓✓)
// derived from them — in a 1:1 conversation the peer's receipt, in a group the slowest member's.
//
// Group receipts travel like 1:1 ones: a `receipt` record over the pairwise session, to the author
// only (every device of theirs). Not as a group message: that would tell every member who read
// what, and cost a body for everyone to say something only the author needs. Pairwise, the relay
// sees one more sealed envelope between two members of a group, as for any 1:1 message.
import { messageIdHex, advanceMark, type ChatMessage, type DeliveryMark } from './chat-message';
import type { MessageStore } from '../store/message-store';

export interface ReceiptLedgerDeps {
  readonly history: MessageStore<ChatMessage>;
  /** The blinded history row id of a message id (hex). */
  readonly rowId: (id: string) => string;
  /** A group's current members other than us, or undefined for a group we do not know. */
  readonly groupRecipients: (groupId: string) => Promise<readonly string[] | undefined>;
  readonly onUpdated: (message: ChatMessage) => void;
  readonly now: () => number;
}

export class ReceiptLedger {
  constructor(private readonly deps: ReceiptLedgerDeps) {}

  /**
   * Applies a receipt `from` sent for `targets`: only for our own messages, and only from the peer
   * a 1:1 message went to or a current member of the group a group message went to.
   */
  async apply(
    from: string,
    kind: 'delivered' | 'read',
    targets: readonly Uint8Array[],
  ): Promise<void> {
    for (const target of targets) {
      const row = await this.deps.history.get(this.deps.rowId(messageIdHex(target)));
      if (row === undefined || row.value.direction !== 'out') continue;
      const message = row.value;
      let recipients: readonly string[];
      if (message.group === undefined) {
        if (message.peer !== from) continue;
        recipients = [from];
      } else {
        recipients = (await this.deps.groupRecipients(message.group)) ?? [];
        if (!recipients.includes(from)) continue;
      }
      const next = recordReceipt(message, { from, kind, at: this.deps.now(), recipients });
      if (next === null) continue;
      await this.deps.history.update(row.id, next);
      this.deps.onUpdated(next);
    }
  }
}

/**
 * The message with `from`'s receipt recorded (read implies delivered), and its mark advanced to
 * what every one of `recipients` has reached; null when nothing changed (a duplicate receipt).
 */
export function recordReceipt(
  message: ChatMessage,
  receipt: {
    from: string;
    kind: 'delivered' | 'read';
    at: number;
    recipients: readonly string[];
  },
): ChatMessage | null {
  const { from, kind, at } = receipt;
  const before = message.receipts?.[from] ?? {};
  const after = {
    deliveredAt: before.deliveredAt ?? at,
    ...(kind === 'read' || before.readAt !== undefined ? { readAt: before.readAt ?? at } : {}),
  };
  if (after.deliveredAt === before.deliveredAt && after.readAt === before.readAt) return null;
  const receipts = { ...message.receipts, [from]: after };
  return {
    ...message,
    receipts,
    mark: advanceMark(message.mark, reached(receipts, receipt.recipients)),
  };
}

/** The furthest mark every recipient has reached. */
function reached(
  receipts: NonNullable<ChatMessage['receipts']>,
  recipients: readonly string[],
): DeliveryMark {
  if (recipients.length === 0) return 'sent';
  if (recipients.every((r) => receipts[r]?.readAt !== undefined)) return 'read';
  if (recipients.every((r) => receipts[r]?.deliveredAt !== undefined)) return 'delivered';
  return 'sent';
}

/** One line of the message-details view. */
export interface RecipientReceipt {
  readonly accountId: string;
  readonly deliveredAt: number | null;
  readonly readAt: number | null;
}

/** Per recipient (the peer of a 1:1 message, the given group members), what has arrived. */
export function recipientReceipts(
  message: ChatMessage,
  groupRecipients: readonly string[] = [],
): RecipientReceipt[] {
  const recipients = message.group === undefined ? [message.peer] : groupRecipients;
  return recipients.map((accountId) => ({
    accountId,
    deliveredAt: message.receipts?.[accountId]?.deliveredAt ?? null,
    readAt: message.receipts?.[accountId]?.readAt ?? null,
  }));
}
