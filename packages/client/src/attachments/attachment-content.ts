// The message fields a text or attachment content record turns into, shared by the two paths a
// message arrives on (from a contact, and as a transcript from our own device). A pointer that does
// not decode makes the whole record invalid: the caller drops it like any malformed envelope.
import {
  decodeAttachmentPointer,
  toHex,
  type AttachmentPointer,
  type Content,
} from '@veil/protocol';

export interface MessageBody {
  /** The text, or an attachment's caption (shown as text, never as HTML). */
  readonly text: string;
  readonly attachment?: AttachmentPointer;
  /** Hex id of the message this one answers. */
  readonly replyTo?: string;
}

/** The displayable body of `content`, or null for records that are not chat messages. */
export function messageBody(content: Content): MessageBody | null {
  if (content.type !== 'text' && content.type !== 'attachment') return null;
  const reply = content.replyTo === null ? {} : { replyTo: toHex(content.replyTo) };
  if (content.type === 'text') return { text: content.text, ...reply };
  return { text: content.caption, attachment: decodeAttachmentPointer(content.pointer), ...reply };
}
