// Images and files, end to end, for one device: upload (encrypted, chunked, retried) and then send
// the pointer in an end-to-end encrypted `attachment` record through the normal send path, so it
// reaches every device of the contact and our own like a text; and fetch-and-verify for display.
// The target is a conversation rather than a contact so group conversations can be added as
// another kind of target without changing the upload half.
import type { AttachmentPointer, Primitives } from '@veil/protocol';
import type { ChatMessage } from '../messaging/chat-message';
import type { Messenger } from '../messaging/messenger';
import type { RelayHttp } from '../relay/relay-http';
import type { AttachmentCache } from './attachment-cache';
import { downloadAttachment, type DownloadOptions } from './attachment-download';
import type { AttachmentSource } from './attachment-source';
import { uploadAttachment, type AttachmentMeta, type UploadOptions } from './attachment-upload';
import { BlobApi } from './blob-api';

/** Where an attachment goes: a 1:1 conversation (by the contact's account id). */
export interface ConversationTarget {
  readonly peer: string;
}

export interface SendAttachment {
  readonly source: AttachmentSource;
  readonly meta: AttachmentMeta;
  readonly caption?: string;
}

export class Attachments {
  readonly blobs: BlobApi;

  constructor(
    private readonly p: Primitives,
    http: RelayHttp,
    private readonly messenger: () => Messenger,
    /** Where opened attachments are kept (as ciphertext) for offline use; none: always download. */
    private readonly cache?: AttachmentCache,
  ) {
    this.blobs = new BlobApi(http);
  }

  /** Uploads, then sends; the message is in the history (mark `queued`) when this returns. */
  async send(
    to: ConversationTarget,
    attachment: SendAttachment,
    options: UploadOptions = {},
  ): Promise<ChatMessage> {
    const pointer = await uploadAttachment(
      { p: this.p, blobs: this.blobs },
      attachment.source,
      attachment.meta,
      options,
    );
    return this.messenger().sendAttachment(to.peer, pointer, attachment.caption ?? '');
  }

  /** The verified plaintext; AttachmentError UNAVAILABLE, TAMPERED or NETWORK otherwise. */
  open(pointer: AttachmentPointer, options: DownloadOptions = {}): Promise<Blob> {
    const cache = this.cache === undefined ? {} : { cache: this.cache };
    return downloadAttachment({ p: this.p, blobs: this.blobs, ...cache }, pointer, options);
  }
}
