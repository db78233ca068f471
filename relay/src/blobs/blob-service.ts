// The blob store for encrypted attachments, as `app.blobs`: a sender creates a blob of a declared
// size (within the size cap and the account's quota), uploads it in order in chunks, and anyone
// signed in who knows the random id downloads it until it expires. Rows say who uploaded (for the
// quota) and how far the upload got; downloads are not recorded anywhere.
//
// Files never outlive their rows for long: a row is inserted before its file is created and deleted
// before its file is removed, and a sweep removes every file without a row. That sweep is how an
// account's files go when the account is deleted, because `accountEvents` announces 'deleted' only
// after the foreign keys have already taken the blob rows with them.
import type { FileHandle } from 'node:fs/promises';
import { ATTACHMENT_CIPHERTEXT_CHUNK_SIZE } from '@veil/protocol';
import type { BlobCreateReply, BlobUploadReply } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Config } from '../config';
import type { Database } from '../db/schema';
import {
  RelayBlobChunkError,
  RelayBlobNotFoundError,
  RelayBlobNotOwnerError,
  RelayBlobOffsetError,
  RelayBlobQuotaError,
  RelayBlobTooLargeError,
} from '../errors';
import { BlobFiles, newBlobId } from './blob-files';

/**
 * The chunk size suggested to uploaders: four secretstream chunks of the attachment format
 * (~256 KiB). Large enough that per-request costs (a round trip, an fsync) stay small, small enough
 * that a retry on a poor mobile link resends little.
 */
export const BLOB_CHUNK_SIZE = 4 * ATTACHMENT_CIPHERTEXT_CHUNK_SIZE;

/** An upload not finished this long after it began is abandoned: its row and file are removed. */
export const INCOMPLETE_UPLOAD_TTL_MS = 60 * 60 * 1000;

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** Ids per query when matching files on disk against rows. */
const ORPHAN_BATCH = 500;

export interface BlobServiceOptions {
  readonly dataDir: string;
  readonly maxBytes: number;
  readonly quotaBytes: number;
  readonly ttlMs: number;
}

export function blobServiceOptions(config: Config): BlobServiceOptions {
  return {
    dataDir: config.dataDir,
    maxBytes: config.blobMaxBytes,
    quotaBytes: config.blobQuotaBytes,
    ttlMs: config.blobTtlMs,
  };
}

export interface BlobDownload {
  /** Open on the file; the caller streams from it (and so closes it). */
  readonly handle: FileHandle;
  readonly size: number;
}

export interface AppendChunk {
  readonly accountId: number;
  readonly id: string;
  readonly offset: number;
  readonly bytes: Uint8Array;
  readonly now?: number;
}

/** Blobs that still count: unexpired, and either complete or an upload still within its hour. */
function live(now: number) {
  return (eb: ExpressionBuilder<Database, 'blobs'>) =>
    eb.and([
      eb('expires_at', '>', now),
      eb.or([eb('complete', '=', 1), eb('created_at', '>', now - INCOMPLETE_UPLOAD_TTL_MS)]),
    ]);
}

/** Runs one task at a time per key: two uploads to one blob must not interleave. */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export class BlobStore {
  readonly chunkSize = BLOB_CHUNK_SIZE;
  private readonly uploads = new KeyedQueue();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly files: BlobFiles,
    private readonly options: BlobServiceOptions,
  ) {}

  /** Reserves a blob of `size` bytes for `accountId`; its file exists (empty) when this returns. */
  async create(accountId: number, size: number, now = Date.now()): Promise<BlobCreateReply> {
    const { maxBytes, quotaBytes, ttlMs } = this.options;
    if (size > maxBytes) {
      throw new RelayBlobTooLargeError(`This relay takes attachments of up to ${maxBytes} bytes`);
    }
    const id = newBlobId();
    const expiresAt = now + ttlMs;
    // One transaction, so two creates at once cannot both fit under the quota.
    await this.db.transaction().execute(async (trx) => {
      const { used } = await trx
        .selectFrom('blobs')
        .select((eb) => eb.fn.sum<number | string | null>('size').as('used'))
        .where('account_id', '=', accountId)
        .where(live(now))
        .executeTakeFirstOrThrow();
      if (Number(used ?? 0) + size > quotaBytes) throw new RelayBlobQuotaError(quotaBytes);
      await trx
        .insertInto('blobs')
        .values({ id, account_id: accountId, size, created_at: now, expires_at: expiresAt })
        .execute();
    });
    try {
      await this.files.create(id);
    } catch (error) {
      await this.db.deleteFrom('blobs').where('id', '=', id).execute();
      throw error;
    }
    return { id, chunkSize: this.chunkSize, expiresAt };
  }

  /**
   * Stores the next chunk of the uploader's blob. `offset` must equal the bytes received so far; a
   * chunk that repeats bytes already stored, exactly, is a retry whose reply was lost and gets the
   * current progress again. The reply is sent only after the bytes are on disk.
   */
  async append(chunk: AppendChunk): Promise<BlobUploadReply> {
    const { accountId, id, offset, bytes, now = Date.now() } = chunk;
    if (bytes.length === 0) throw new RelayBlobChunkError();
    return this.uploads.run(id, async () => {
      const row = await this.db
        .selectFrom('blobs')
        .select(['account_id', 'size', 'received', 'complete'])
        .where('id', '=', id)
        .where(live(now))
        .executeTakeFirst();
      if (row === undefined) throw new RelayBlobNotFoundError();
      if (row.account_id !== accountId) throw new RelayBlobNotOwnerError();
      const end = offset + bytes.length;
      if (offset < row.received && end <= row.received) {
        const stored = await this.files.readAt(id, offset, bytes.length);
        if (stored?.equals(bytes) !== true) throw new RelayBlobOffsetError(row.received);
        return { received: row.received, complete: row.complete === 1 };
      }
      if (offset !== row.received) throw new RelayBlobOffsetError(row.received);
      if (end > row.size) {
        throw new RelayBlobTooLargeError(
          `The chunk runs past the blob's size of ${row.size} bytes`,
        );
      }
      if (!(await this.files.writeAt(id, offset, bytes))) throw new RelayBlobNotFoundError();
      const complete = end === row.size;
      const updated = await this.db
        .updateTable('blobs')
        .set({ received: end, complete: complete ? 1 : 0 })
        .where('id', '=', id)
        .where('received', '=', offset)
        .executeTakeFirst();
      // Deleted (by its owner or the sweeper) while the chunk was being written.
      if (updated.numUpdatedRows === 0n) throw new RelayBlobNotFoundError();
      return { received: end, complete };
    });
  }

  /** A complete, unexpired blob opened for reading, whoever asks: the id is the capability. */
  async openDownload(id: string, now = Date.now()): Promise<BlobDownload> {
    const row = await this.db
      .selectFrom('blobs')
      .select('size')
      .where('id', '=', id)
      .where('complete', '=', 1)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (row === undefined) throw new RelayBlobNotFoundError();
    const handle = await this.files.openForRead(id);
    if (handle === null) throw new RelayBlobNotFoundError();
    return { handle, size: row.size };
  }

  /** Deletes the uploader's blob, finished or not. */
  async remove(accountId: number, id: string, now = Date.now()): Promise<void> {
    const row = await this.db
      .selectFrom('blobs')
      .select('account_id')
      .where('id', '=', id)
      .where(live(now))
      .executeTakeFirst();
    if (row === undefined) throw new RelayBlobNotFoundError();
    if (row.account_id !== accountId) throw new RelayBlobNotOwnerError();
    await this.db.deleteFrom('blobs').where('id', '=', id).execute();
    await this.files.remove(id);
  }

  /**
   * Removes expired blobs and uploads abandoned for an hour (rows, then files), then any file left
   * without a row. Returns how many files went.
   */
  /** Bytes received across all blobs, for the stored-bytes gauge. */
  async storedBytes(): Promise<number> {
    const row = await this.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.sum<number | string | null>('received').as('total'))
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  async sweep(now = Date.now()): Promise<number> {
    const doomed = (eb: ExpressionBuilder<Database, 'blobs'>) =>
      eb.or([
        eb('expires_at', '<=', now),
        eb.and([eb('complete', '=', 0), eb('created_at', '<=', now - INCOMPLETE_UPLOAD_TTL_MS)]),
      ]);
    const rows = await this.db.deleteFrom('blobs').where(doomed).returning('id').execute();
    for (const { id } of rows) await this.files.remove(id);
    return rows.length + (await this.removeOrphans());
  }

  /** Removes every blob file that has no row (a deleted account's, or one a crash left behind). */
  async removeOrphans(): Promise<number> {
    let removed = 0;
    let batch: string[] = [];
    const settle = async (): Promise<void> => {
      const kept = await this.db
        .selectFrom('blobs')
        .select('id')
        .where('id', 'in', batch)
        .execute();
      const known = new Set(kept.map((row) => row.id));
      for (const id of batch) {
        if (known.has(id)) continue;
        await this.files.remove(id);
        removed += 1;
      }
      batch = [];
    };
    // A file is listed only after its row was inserted, so "no row" here means the row is gone.
    for await (const id of this.files.ids()) {
      batch.push(id);
      if (batch.length === ORPHAN_BATCH) await settle();
    }
    if (batch.length > 0) await settle();
    return removed;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    blobs: BlobStore;
  }
}

async function blobService(app: FastifyInstance, options: BlobServiceOptions): Promise<void> {
  const files = await BlobFiles.open(options.dataDir);
  const store = new BlobStore(app.db, files, options);
  app.decorate('blobs', store);

  // Background sweeps run one after another, with at most one waiting (a request made before the
  // waiting one starts is served by it); failures are logged as counts, never ids; and the last is
  // awaited on close so none outlives the database.
  let waiting = false;
  let last: Promise<void> = Promise.resolve();
  const sweepSoon = (): void => {
    if (waiting) return;
    waiting = true;
    last = last.then(async () => {
      waiting = false;
      try {
        const removed = await store.sweep();
        if (removed > 0) app.log.info({ removed }, 'blob files removed');
        app.metrics.blobsBytesStored.set(await store.storedBytes());
      } catch (error) {
        app.log.error({ err: error }, 'blob sweep failed');
      }
    });
  };

  // The account's rows are already gone when this fires; the sweep removes their files.
  app.accountEvents.on('deleted', sweepSoon);
  const timer = setInterval(sweepSoon, SWEEP_INTERVAL_MS);
  timer.unref();

  app.addHook('onReady', async () => {
    await store.sweep();
    app.metrics.blobsBytesStored.set(await store.storedBytes());
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    app.accountEvents.off('deleted', sweepSoon);
    await last;
  });
}

export default fp(blobService, { name: 'blobs', dependencies: ['database', 'auth', 'metrics'] });
