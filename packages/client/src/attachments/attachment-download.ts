// Fetches an attachment's blob and decrypts it as it arrives, holding only the plaintext (one
// copy). Nothing is returned before the whole blob has been checked against the pointer's digest
// and length, so a blob altered on the relay is refused (TAMPERED) before anything is shown or
// saved; a blob the relay no longer has is UNAVAILABLE.
import {
  createAttachmentDecryptor,
  ProtocolError,
  type AttachmentPointer,
  type Primitives,
} from '@veil/protocol';
import { RelayError } from '../relay/relay-http';
import type { AttachmentCache } from './attachment-cache';
import { AttachmentError } from './attachment-error';
import type { TransferProgress } from './attachment-upload';
import type { BlobApi } from './blob-api';

export interface DownloadOptions {
  readonly onProgress?: (progress: TransferProgress) => void;
  readonly signal?: AbortSignal;
}

export async function downloadAttachment(
  deps: { readonly p: Primitives; readonly blobs: BlobApi; readonly cache?: AttachmentCache },
  pointer: AttachmentPointer,
  options: DownloadOptions = {},
): Promise<Blob> {
  const { p, cache } = deps;
  const type = displayType(pointer.contentType);
  const cached = await cache?.get(pointer.blobId);
  if (cached !== undefined) {
    try {
      return new Blob(await verified(p, pointer, cached.stream(), 'plaintext'), { type });
    } catch (error) {
      // A damaged cache entry is dropped and the relay asked again; anything else is real.
      if (!(error instanceof AttachmentError && error.code === 'TAMPERED')) throw error;
      await cache?.delete(pointer.blobId);
    }
  }
  let stream: ReadableStream<Uint8Array>;
  try {
    stream = await deps.blobs.download(pointer.blobId, options.signal);
  } catch (error) {
    if (error instanceof RelayError && error.status === 404) {
      throw new AttachmentError('UNAVAILABLE', 'The attachment is no longer available');
    }
    if (error instanceof RelayError && error.network) {
      throw new AttachmentError('NETWORK', error.message);
    }
    throw error;
  }
  if (cache === undefined) {
    return new Blob(await verified(p, pointer, stream, 'plaintext', options.onProgress), { type });
  }
  // Cached as ciphertext (verified first, so nothing altered is kept), then decrypted from the
  // cached copy: one copy of the file in memory besides the Blob, never ciphertext and plaintext.
  const ciphertext = new Blob(await verified(p, pointer, stream, 'ciphertext', options.onProgress));
  await cache.put(pointer.blobId, ciphertext);
  return new Blob(await verified(p, pointer, ciphertext.stream(), 'plaintext'), { type });
}

/**
 * Reads `stream` to its end through the decryptor and returns what it kept — the plaintext chunks,
 * or the ciphertext as it came — only once length and digest matched the pointer.
 */
async function verified(
  p: Primitives,
  pointer: AttachmentPointer,
  stream: ReadableStream<Uint8Array>,
  keep: 'plaintext' | 'ciphertext',
  onProgress?: (progress: TransferProgress) => void,
): Promise<BlobPart[]> {
  const decryptor = createAttachmentDecryptor(p, pointer);
  const kept: Uint8Array[] = [];
  const reader = stream.getReader();
  let done = 0;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      done += next.value.length;
      const plaintext = decryptor.push(next.value);
      if (keep === 'plaintext') kept.push(...plaintext);
      else kept.push(next.value);
      onProgress?.({ done, total: pointer.ciphertextSize });
    }
    decryptor.finish();
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    if (error instanceof ProtocolError) {
      throw new AttachmentError(
        'TAMPERED',
        `The attachment's bytes are not the ones that were sent (${error.code})`,
      );
    }
    throw error;
  }
  return kept as BlobPart[];
}

/** Image types a browser may render from a blob: URL; the sender's claim is otherwise ignored. */
const RENDERED_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

/**
 * The type a downloaded Blob is labelled with. A blob: URL has our origin, so a sender-chosen
 * `text/html` or `image/svg+xml` opened in a tab would run as the app: anything but a plain raster
 * image is labelled as opaque bytes, which a browser only ever offers to save.
 */
export function displayType(contentType: string): string {
  const type = contentType.toLowerCase();
  return RENDERED_TYPES.has(type) ? type : 'application/octet-stream';
}
