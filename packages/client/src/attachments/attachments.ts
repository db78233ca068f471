// Images and files, end to end, for one device: upload (encrypted, chunked, retried) and then send
// the pointer in an end-to-end encrypted `attachment` record through the conversation's own send
// path — the pairwise sessions for a contact (every device of theirs and our own others, like a
// text), one sender-key message for a group (so one upload and one encryption serve every member);
// fetch-and-verify for display; and the queue of attachments that wait for the relay
// (attachment-queue.ts), which `sendQueued` empties whenever the relay is reachable again.
import type { AttachmentPointer, Primitives } from '@veil/protocol';
import type { GroupMessenger } from '../groups/group-messenger';
import type { ChatMessage } from '../messaging/chat-message';
import type { Messenger, MessengerEvent } from '../messaging/messenger';
import type { RelayHttp } from '../relay/relay-http';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';
import type { AttachmentCache } from './attachment-cache';
import { downloadAttachment, type DownloadOptions } from './attachment-download';
import { AttachmentError } from './attachment-error';
import {
  AttachmentQueue,
  MAX_QUEUED_BYTES,
  type ConversationTarget,
  type QueuedAttachment,
} from './attachment-queue';
import type { AttachmentSource } from './attachment-source';
import { uploadAttachment, type AttachmentMeta, type UploadOptions } from './attachment-upload';
import { BlobApi } from './blob-api';

export type { ConversationTarget } from './attachment-queue';

export interface SendAttachment {
  readonly source: AttachmentSource;
  readonly meta: AttachmentMeta;
  readonly caption?: string;
}

/** What `sendOrQueue` did: sent now, or stored to go when the relay answers again. */
export type SendOutcome = { readonly sent: ChatMessage } | { readonly queued: QueuedAttachment };

export interface AttachmentsDeps {
  readonly p: Primitives;
  readonly http: RelayHttp;
  readonly db: VeilDatabase;
  readonly vault: VaultLock;
  /** The unlocked vault's messengers (read when sending: they are remade at every unlock). */
  readonly messenger: () => Messenger;
  readonly groups: () => GroupMessenger;
  /** Where opened attachments are kept (as ciphertext) for offline use; none: always download. */
  readonly cache?: AttachmentCache;
  readonly onEvent?: (event: MessengerEvent) => void;
  readonly now?: () => number;
}

export class Attachments {
  readonly blobs: BlobApi;
  private readonly queue: AttachmentQueue;
  private running: Promise<void> | null = null;
  private purged = false;
  /** Uploads of queued attachments in progress, so a cancel can stop one. */
  private readonly inFlight = new Map<string, AbortController>();

  constructor(private readonly deps: AttachmentsDeps) {
    this.blobs = new BlobApi(deps.http);
    this.queue = new AttachmentQueue({
      p: deps.p,
      db: deps.db,
      vault: deps.vault,
      maxBytes: MAX_QUEUED_BYTES,
      now: deps.now ?? Date.now,
    });
  }

  /** Uploads, then sends; the message is in the history (mark `queued`) when this returns. */
  async send(
    to: ConversationTarget,
    attachment: SendAttachment,
    options: UploadOptions = {},
  ): Promise<ChatMessage> {
    const pointer = await uploadAttachment(
      { p: this.deps.p, blobs: this.blobs },
      attachment.source,
      attachment.meta,
      options,
    );
    return this.deliver(to, pointer, attachment.caption ?? '');
  }

  /**
   * Like `send`, but when the relay cannot be reached (offline, or the upload failed for want of a
   * network, or the relay stayed overloaded through the retries) the file is stored as waiting to send instead of failing; STORAGE_FULL if it cannot be.
   */
  async sendOrQueue(
    to: ConversationTarget,
    attachment: SendAttachment,
    options: UploadOptions = {},
  ): Promise<SendOutcome> {
    try {
      return { sent: await this.send(to, attachment, options) };
    } catch (error) {
      if (!(error instanceof AttachmentError) || error.code !== 'NETWORK') throw error;
    }
    const queued = await this.queue.add({
      target: to,
      source: attachment.source,
      meta: attachment.meta,
      caption: attachment.caption ?? '',
    });
    this.changed();
    return { queued };
  }

  /** What waits to send in one conversation (or everywhere), oldest first. */
  queued(target?: ConversationTarget): Promise<QueuedAttachment[]> {
    return this.queue.list(target);
  }

  /** Gives up on a waiting attachment: stops its upload if one is running and forgets it. */
  async cancelQueued(id: string): Promise<void> {
    this.inFlight.get(id)?.abort();
    await this.queue.remove(id);
    this.changed();
  }

  /**
   * Uploads and sends what waits, oldest first, one at a time; stops at the first network failure
   * (the next call — socket open, `online` — tries again). A refusal that retrying cannot change
   * (too large, no longer a member) marks that one failed and goes on with the next.
   */
  sendQueued(): Promise<void> {
    this.running ??= this.runQueue().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runQueue(): Promise<void> {
    if (!this.deps.vault.unlocked) return;
    if (!this.purged) {
      this.purged = true;
      await this.queue.purgeOrphans();
    }
    for (const item of await this.queue.list()) {
      if (item.failed !== undefined) continue;
      const controller = new AbortController();
      this.inFlight.set(item.id, controller);
      let pointer: AttachmentPointer;
      try {
        pointer = await uploadAttachment(
          { p: this.deps.p, blobs: this.blobs },
          this.queue.source(item),
          item.meta,
          { signal: controller.signal },
        );
      } catch (error) {
        if (error instanceof AttachmentError && error.code === 'NETWORK') return;
        if (error instanceof AttachmentError && error.code === 'CANCELLED') continue;
        await this.queue.markFailed(item.id, reasonOf(error));
        this.changed();
        continue;
      } finally {
        this.inFlight.delete(item.id);
      }
      if (controller.signal.aborted) continue; // cancelled as its last chunk went
      try {
        await this.deliver(item.target, pointer, item.caption);
      } catch (error) {
        // Refused here (no longer a member, a contact now blocked): kept and shown as not sent.
        await this.queue.markFailed(item.id, reasonOf(error));
        this.changed();
        continue;
      }
      // The message row and the outbox carry it from here, like a text.
      await this.queue.remove(item.id);
      this.changed();
    }
  }

  private deliver(
    to: ConversationTarget,
    pointer: AttachmentPointer,
    caption: string,
  ): Promise<ChatMessage> {
    return 'group' in to
      ? this.deps.groups().sendAttachment(to.group, pointer, caption)
      : this.deps.messenger().sendAttachment(to.peer, pointer, caption);
  }

  private changed(): void {
    this.deps.onEvent?.({ type: 'attachments-queued' });
  }

  /** The verified plaintext; AttachmentError UNAVAILABLE, TAMPERED or NETWORK otherwise. */
  open(pointer: AttachmentPointer, options: DownloadOptions = {}): Promise<Blob> {
    const cache = this.deps.cache === undefined ? {} : { cache: this.deps.cache };
    return downloadAttachment({ p: this.deps.p, blobs: this.blobs, ...cache }, pointer, options);
  }
}

function reasonOf(error: unknown): string {
  return error instanceof AttachmentError ? error.code : (error as Error).message;
}
