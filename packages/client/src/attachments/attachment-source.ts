// What an attachment is read from: a browser File/Blob (read as a stream, never whole) or bytes
// already in memory (Node, tests). Both become an async sequence of pieces with a known size, which
// is all the streaming encryptor needs.

/** Pieces handed to the encryptor when the source is bytes in memory: views, not copies. */
const BYTES_PIECE = 1024 * 1024;

export interface AttachmentSource {
  readonly size: number;
  /** Reads the plaintext once, piece by piece. */
  pieces(): AsyncIterable<Uint8Array>;
}

export function sourceFromBytes(bytes: Uint8Array): AttachmentSource {
  return {
    size: bytes.length,
    async *pieces() {
      for (let offset = 0; offset < bytes.length; offset += BYTES_PIECE) {
        yield bytes.subarray(offset, offset + BYTES_PIECE);
      }
    },
  };
}

/** A File or Blob, read through its stream so a 100 MiB video is never in memory as a whole. */
export function sourceFromBlob(blob: Blob): AttachmentSource {
  return {
    size: blob.size,
    async *pieces() {
      const reader = blob.stream().getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}
