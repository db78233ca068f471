// The message fields a text or attachment content record turns into, shared by the two paths a
// message arrives on (from a contact, and as a transcript from our own device). A pointer that does
// not decode makes the whole record invalid: the caller drops it like any malformed envelope.
import { decodeAttachmentPointer, type AttachmentPointer, type Content } from '@veil/protocol';

export interface MessageBody {
  /** The text, or an attachment's caption (shown as text, never as HTML). */
  readonly text: string;
  readonly attachment?: AttachmentPointer;
}

/** The displayable body of `content`, or null for records that are not chat messages. */
export function messageBody(content: Content): MessageBody | null {
  if (content.type === 'text') return { text: content.text };
  if (content.type === 'attachment') {
    return { text: content.caption, attachment: decodeAttachmentPointer(content.pointer) };
  }
  return null;
}
