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
import { AttachmentError } from './attachment-error';
import type { TransferProgress } from './attachment-upload';
import type { BlobApi } from './blob-api';

export async function downloadAttachment(
  deps: { readonly p: Primitives; readonly blobs: BlobApi },
  pointer: AttachmentPointer,
  options: { onProgress?: (progress: TransferProgress) => void; signal?: AbortSignal } = {},
): Promise<Blob> {
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
  const decryptor = createAttachmentDecryptor(deps.p, pointer);
  const plaintext: Uint8Array[] = [];
  const reader = stream.getReader();
  let done = 0;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      done += next.value.length;
      plaintext.push(...decryptor.push(next.value));
      options.onProgress?.({ done, total: pointer.ciphertextSize });
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
  return new Blob(plaintext as BlobPart[], { type: displayType(pointer.contentType) });
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
