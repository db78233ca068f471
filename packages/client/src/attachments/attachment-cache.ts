// Downloaded attachments kept on this device so they open offline after the first view. What is
// kept is the blob exactly as the relay served it — ciphertext under the attachment's own key, which
// exists only inside vault-encrypted message rows — so the cache holds nothing readable without the
// vault. A cached blob is verified against the pointer again every time it is opened.

export interface AttachmentCache {
  get(blobId: string): Promise<Blob | undefined>;
  put(blobId: string, ciphertext: Blob): Promise<void>;
  delete(blobId: string): Promise<void>;
  /** Empties the cache: "erase this browser's copy" leaves no attachment behind. */
  clear(): Promise<void>;
}

/** Per process (tests, Node). */
export class MemoryAttachmentCache implements AttachmentCache {
  private readonly blobs = new Map<string, Blob>();

  get(blobId: string): Promise<Blob | undefined> {
    return Promise.resolve(this.blobs.get(blobId));
  }

  put(blobId: string, ciphertext: Blob): Promise<void> {
    this.blobs.set(blobId, ciphertext);
    return Promise.resolve();
  }

  delete(blobId: string): Promise<void> {
    this.blobs.delete(blobId);
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.blobs.clear();
    return Promise.resolve();
  }
}

/**
 * The browser's Cache Storage: made for large opaque bodies (IndexedDB would need a schema change
 * every branch touches), and outside the service worker's versioned `veil-shell-*` caches, so an app
 * update does not empty it. Any failure (quota, private mode) just means downloading again.
 */
export class BrowserAttachmentCache implements AttachmentCache {
  constructor(private readonly name = 'veil-attachments') {}

  private key(blobId: string): string {
    return `/attachment-cache/${blobId}`;
  }

  async get(blobId: string): Promise<Blob | undefined> {
    try {
      const response = await (await caches.open(this.name)).match(this.key(blobId));
      return response === undefined ? undefined : await response.blob();
    } catch {
      return undefined;
    }
  }

  async put(blobId: string, ciphertext: Blob): Promise<void> {
    try {
      await (await caches.open(this.name)).put(this.key(blobId), new Response(ciphertext));
    } catch {
      // Not cached: the next view downloads again.
    }
  }

  async delete(blobId: string): Promise<void> {
    try {
      await (await caches.open(this.name)).delete(this.key(blobId));
    } catch {
      // Nothing to do.
    }
  }

  /** Deletes the whole cache; unlike a lookup, a failure here is the caller's to report. */
  async clear(): Promise<void> {
    await caches.delete(this.name);
  }
}
