// The blob store's files: one file per blob at `<dataDir>/blobs/<id>`, holding exactly the
// ciphertext the uploader sent. Every path is built from an id that has passed a strict pattern
// first, so no request can name a file outside the directory. Errors never carry the path (it
// holds the id, and ids must not reach the logs).
import { randomBytes } from 'node:crypto';
import { mkdir, open, opendir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BLOB_ID_PATTERN, BLOB_LIMITS } from '@veil/wire';

const ID = new RegExp(BLOB_ID_PATTERN);

export function isBlobId(value: string): boolean {
  return ID.test(value);
}

/** A fresh 128-bit random id, canonical unpadded base64url. */
export function newBlobId(): string {
  return randomBytes(BLOB_LIMITS.idBytes).toString('base64url');
}

function codeOf(error: unknown): string {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? error.code
    : 'unknown';
}

/** The same failure without the path Node puts in its messages. */
function withoutPath(operation: string, error: unknown): Error {
  return new Error(`blob file ${operation} failed (${codeOf(error)})`);
}

export class BlobFiles {
  private constructor(readonly dir: string) {}

  /** The store under `dataDir`, creating its directory (owner-only) if needed. */
  static async open(dataDir: string): Promise<BlobFiles> {
    const dir = join(dataDir, 'blobs');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new BlobFiles(dir);
  }

  private pathOf(id: string): string {
    if (!isBlobId(id)) throw new Error('not a blob id');
    return join(this.dir, id);
  }

  /** Creates the empty file of a new blob, and makes its directory entry durable. */
  async create(id: string): Promise<void> {
    const path = this.pathOf(id);
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.close();
      const dir = await open(this.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      throw withoutPath('create', error);
    }
  }

  /**
   * Writes `bytes` at `offset` and flushes them to disk before returning, so an acknowledged chunk
   * survives a crash. False if the file is gone (the blob was deleted meanwhile): a missing file is
   * never created again here.
   */
  async writeAt(id: string, offset: number, bytes: Uint8Array): Promise<boolean> {
    const path = this.pathOf(id);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r+');
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return false;
      throw withoutPath('open', error);
    }
    try {
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await handle.write(
          bytes,
          written,
          bytes.length - written,
          offset + written,
        );
        written += bytesWritten;
      }
      await handle.datasync();
      return true;
    } catch (error) {
      throw withoutPath('write', error);
    } finally {
      await handle.close();
    }
  }

  /** `length` bytes from `offset`, or null if the file is gone or shorter. */
  async readAt(id: string, offset: number, length: number): Promise<Buffer | null> {
    const handle = await this.openForRead(id);
    if (handle === null) return null;
    try {
      const buffer = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(buffer, read, length - read, offset + read);
        if (bytesRead === 0) return null;
        read += bytesRead;
      }
      return buffer;
    } catch (error) {
      throw withoutPath('read', error);
    } finally {
      await handle.close();
    }
  }

  /**
   * An open handle on the blob's file, or null if it is gone. Holding the handle keeps the bytes
   * readable even if the blob is deleted while a download streams.
   */
  async openForRead(id: string): Promise<FileHandle | null> {
    const path = this.pathOf(id);
    try {
      return await open(path, 'r');
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return null;
      throw withoutPath('open', error);
    }
  }

  /** Removes the blob's file; a file already gone is fine. */
  async remove(id: string): Promise<void> {
    const path = this.pathOf(id);
    try {
      await rm(path, { force: true });
    } catch (error) {
      throw withoutPath('remove', error);
    }
  }

  /** The ids of every blob file on disk (names that are not ids are left alone). */
  async *ids(): AsyncGenerator<string> {
    let dir;
    try {
      dir = await opendir(this.dir);
    } catch (error) {
      throw withoutPath('list', error);
    }
    for await (const entry of dir) {
      if (entry.isFile() && isBlobId(entry.name)) yield entry.name;
    }
  }
}
