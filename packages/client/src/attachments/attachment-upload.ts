// Sends an attachment's bytes to the relay: encrypted as they are read (encryptAttachmentStream),
// gathered into the chunk size the relay suggests and appended one chunk at a time. Memory stays at
// one secretstream chunk plus one upload chunk whatever the file's size; the plaintext is never
// copied whole. A chunk whose request fails for want of a network (or a 5xx/429) is sent again at
// the same offset, which the relay answers without storing it twice. The result is the pointer the
// message carries: blob id, key, digest, sizes, type, name and an optional thumbnail.
import {
  attachmentCiphertextSize,
  encryptAttachmentStream,
  type AttachmentPointer,
  type Primitives,
} from '@veil/protocol';
import { RelayError } from '../relay/relay-http';
import { AttachmentError } from './attachment-error';
import type { AttachmentSource } from './attachment-source';
import type { BlobApi } from './blob-api';

export interface AttachmentMeta {
  readonly contentType: string;
  readonly fileName: string;
  readonly width?: number;
  readonly height?: number;
  /** A small preview (WebP/JPEG, a few KiB) that travels inside the encrypted message. */
  readonly thumbnail?: Uint8Array;
}

export interface TransferProgress {
  readonly done: number;
  readonly total: number;
}

export interface UploadOptions {
  readonly onProgress?: (progress: TransferProgress) => void;
  readonly signal?: AbortSignal;
  /** Attempts per chunk before giving up with NETWORK. */
  readonly attempts?: number;
  /** Wait before the n-th retry is `retryDelayMs * 2^n` ms. */
  readonly retryDelayMs?: number;
  /**
   * Wait after the relay's rate limit (429) answered, in ms. Its upload budget (300 chunks a
   * minute) is below a 100 MiB file's 400 chunks, so a large upload is expected to be paced: these
   * waits do not count as failed attempts, up to `RATE_LIMIT_WAITS` of them per chunk.
   */
  readonly rateLimitDelayMs?: number;
}

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_RETRY_DELAY_MS = 250;
const DEFAULT_RATE_LIMIT_DELAY_MS = 5_000;
/** Two minutes at the default delay: longer than the relay's one-minute window. */
const RATE_LIMIT_WAITS = 24;

/** Worth another try: no answer at all, or an overloaded relay. */
function retryable(error: unknown): boolean {
  return error instanceof RelayError && (error.network || error.status >= 500);
}

function rateLimited(error: unknown): boolean {
  return error instanceof RelayError && error.status === 429;
}

/**
 * What a failed request means for the attachment. No answer, an overloaded relay (5xx) or a rate
 * limit that outlasted our waits are NETWORK: the relay may well take the file later, so a queued
 * one waits for the next try (and `sendOrQueue` queues it) instead of being marked failed for good.
 */
function refusal(error: unknown): unknown {
  if (!(error instanceof RelayError)) return error;
  if (error.code === 'RELAY_ERR_BLOB_TOO_LARGE' || error.code === 'RELAY_ERR_BLOB_QUOTA') {
    return new AttachmentError('TOO_LARGE', error.message);
  }
  if (retryable(error) || rateLimited(error)) return new AttachmentError('NETWORK', error.message);
  return error;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function uploadAttachment(
  deps: { readonly p: Primitives; readonly blobs: BlobApi },
  source: AttachmentSource,
  meta: AttachmentMeta,
  options: UploadOptions = {},
): Promise<AttachmentPointer> {
  const { signal, onProgress } = options;
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const total = attachmentCiphertextSize(source.size);
  const cancelled = () => new AttachmentError('CANCELLED', 'uploadAttachment: cancelled');
  if (signal?.aborted === true) throw cancelled();

  let created;
  try {
    created = await deps.blobs.create(total);
  } catch (error) {
    throw refusal(error);
  }
  const { id, chunkSize } = created;

  const rateLimitDelayMs = options.rateLimitDelayMs ?? DEFAULT_RATE_LIMIT_DELAY_MS;
  const send = async (offset: number, bytes: Uint8Array): Promise<void> => {
    let attempt = 0;
    let waits = 0;
    for (;;) {
      try {
        await deps.blobs.append(id, offset, bytes);
        return;
      } catch (error) {
        if (rateLimited(error) && ++waits <= RATE_LIMIT_WAITS) {
          await sleep(rateLimitDelayMs);
        } else {
          if (!retryable(error) || ++attempt >= attempts) throw refusal(error);
          await sleep(retryDelayMs * 2 ** (attempt - 1));
        }
        if (signal?.aborted === true) throw cancelled();
      }
    }
  };

  try {
    const stream = encryptAttachmentStream(deps.p, source.pieces());
    // One reusable buffer: `send` has finished with it before it is filled again.
    const buffer = new Uint8Array(Math.min(chunkSize, total));
    let filled = 0;
    let offset = 0;
    const flush = async () => {
      if (signal?.aborted === true) throw cancelled();
      await send(offset, buffer.subarray(0, filled));
      offset += filled;
      filled = 0;
      onProgress?.({ done: offset, total });
    };
    for await (const piece of stream.ciphertext) {
      let read = 0;
      while (read < piece.length) {
        const n = Math.min(piece.length - read, buffer.length - filled);
        buffer.set(piece.subarray(read, read + n), filled);
        filled += n;
        read += n;
        if (filled === buffer.length) await flush();
      }
    }
    if (filled > 0) await flush();
    const summary = stream.summary();
    return {
      blobId: id,
      key: summary.key,
      digest: summary.digest,
      plaintextSize: summary.plaintextSize,
      ciphertextSize: summary.ciphertextSize,
      contentType: meta.contentType,
      fileName: meta.fileName,
      ...(meta.width === undefined || meta.height === undefined
        ? {}
        : { width: meta.width, height: meta.height }),
      ...(meta.thumbnail === undefined ? {} : { thumbnail: meta.thumbnail }),
    };
  } catch (error) {
    // Nothing will ever point at a half-uploaded blob: free the quota it holds (best effort; the
    // relay drops abandoned uploads after an hour anyway).
    await deps.blobs.remove(id).catch(() => undefined);
    throw error;
  }
}
