// Attachments waiting to send: a file chosen while the relay cannot be reached (offline, or an
// upload that failed for want of a network) is kept in the Dexie store, vault-encrypted like the
// text outbox, so it survives a reload and is uploaded and sent when the relay answers again
// (Attachments.sendQueued). One header row per attachment (where it goes, its name, type, caption,
// thumbnail) and its plaintext in rows of at most 1 MiB, each sealed under the vault key with
// AD = table || row id: read back piece by piece, so a queued 100 MiB video is never whole in memory.
// The header is written last, so a crash mid-write leaves only chunks, which `purgeOrphans` drops.
import { toHex, type Primitives } from '@veil/protocol';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';
import { AttachmentError } from './attachment-error';
import type { AttachmentSource } from './attachment-source';
import type { AttachmentMeta } from './attachment-upload';

/** Where an attachment goes: a 1:1 conversation (the contact's account id) or a group (its id). */
export type ConversationTarget = { readonly peer: string } | { readonly group: string };

export interface QueuedAttachment {
  readonly id: string;
  readonly target: ConversationTarget;
  readonly meta: AttachmentMeta;
  readonly caption: string;
  /** Plaintext bytes. */
  readonly size: number;
  readonly chunks: number;
  readonly queuedAt: number;
  /** Why it can never go (the relay refused it, or we left the group): shown until removed. */
  readonly failed?: string;
}

/** Plaintext bytes per stored chunk row. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * What may wait to send, all queued files together: the relay's default blob cap (100 MiB), so
 * one file of the largest size the relay takes fits, and a device offline for a week cannot fill
 * its disk with copies. Fixed, not read from the relay: a larger file on a relay with a larger
 * `VEIL_BLOB_MAX_MIB` can still be sent while online, it just cannot wait offline.
 */
export const MAX_QUEUED_BYTES = 100 * 1024 * 1024;

function sameTarget(a: ConversationTarget, b: ConversationTarget): boolean {
  return 'peer' in a ? 'peer' in b && a.peer === b.peer : 'group' in b && a.group === b.group;
}

/** A write the browser refused for want of room (Dexie wraps it in its own error at times). */
function isQuotaError(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = (e as { inner?: unknown }).inner) {
    if (e.name === 'QuotaExceededError') return true;
  }
  return false;
}

export class AttachmentQueue {
  /** Files being stored right now: their chunks have no header yet and are not orphans. */
  private adding = 0;

  constructor(
    private readonly deps: {
      readonly p: Primitives;
      readonly db: VeilDatabase;
      readonly vault: VaultLock;
      readonly maxBytes: number;
      readonly now: () => number;
    },
  ) {}

  private chunkId(id: string, index: number): string {
    return `${id}:${index}`;
  }

  /**
   * Stores `source` as waiting to send. STORAGE_FULL when the queue's bound or the browser's quota
   * leaves no room (nothing of it is kept then).
   */
  async add(options: {
    target: ConversationTarget;
    source: AttachmentSource;
    meta: AttachmentMeta;
    caption: string;
  }): Promise<QueuedAttachment> {
    const { db, vault, maxBytes } = this.deps;
    const waiting = (await this.list()).reduce((sum, item) => sum + item.size, 0);
    if (waiting + options.source.size > maxBytes) {
      throw new AttachmentError(
        'STORAGE_FULL',
        `AttachmentQueue.add: at most ${maxBytes} bytes may wait to send`,
      );
    }
    const id = toHex(this.deps.p.randomBytes(16));
    let chunks = 0;
    this.adding++;
    try {
      const buffer = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(1, options.source.size)));
      let filled = 0;
      const flush = async (): Promise<void> => {
        const chunkId = this.chunkId(id, chunks++);
        const body = vault.codec.seal('attachmentChunks', chunkId, buffer.slice(0, filled));
        await db.attachmentChunks.put({ id: chunkId, body });
        filled = 0;
      };
      for await (const piece of options.source.pieces()) {
        for (let read = 0; read < piece.length;) {
          const n = Math.min(piece.length - read, buffer.length - filled);
          buffer.set(piece.subarray(read, read + n), filled);
          filled += n;
          read += n;
          if (filled === buffer.length) await flush();
        }
      }
      if (filled > 0 || chunks === 0) await flush();
      const item: QueuedAttachment = {
        id,
        target: options.target,
        meta: options.meta,
        caption: options.caption,
        size: options.source.size,
        chunks,
        queuedAt: this.deps.now(),
      };
      const last = await db.attachmentQueue.orderBy('order').last();
      await db.attachmentQueue.put({
        id,
        order: (last?.order ?? 0) + 1,
        body: vault.codec.seal('attachmentQueue', id, item),
      });
      return item;
    } catch (error) {
      await this.removeChunks(id, chunks).catch(() => undefined);
      if (isQuotaError(error)) {
        throw new AttachmentError(
          'STORAGE_FULL',
          'AttachmentQueue.add: the browser storage is full',
        );
      }
      throw error;
    } finally {
      this.adding--;
    }
  }

  /** Everything waiting, oldest first; with a target, only that conversation's. */
  async list(target?: ConversationTarget): Promise<QueuedAttachment[]> {
    const rows = await this.deps.db.attachmentQueue.orderBy('order').toArray();
    const items = rows.map(
      (row) => this.deps.vault.codec.open('attachmentQueue', row.id, row.body) as QueuedAttachment,
    );
    return target === undefined ? items : items.filter((item) => sameTarget(item.target, target));
  }

  /** The stored bytes, read back (and opened) one chunk row at a time. */
  source(item: QueuedAttachment): AttachmentSource {
    const { db, vault } = this.deps;
    const chunkId = (index: number): string => this.chunkId(item.id, index);
    return {
      size: item.size,
      async *pieces() {
        for (let index = 0; index < item.chunks; index++) {
          const id = chunkId(index);
          const row = await db.attachmentChunks.get(id);
          if (row === undefined) {
            throw new AttachmentError('UNAVAILABLE', 'AttachmentQueue.source: a chunk is missing');
          }
          const bytes = vault.codec.open('attachmentChunks', id, row.body) as Uint8Array;
          if (item.size > 0) yield bytes;
        }
      },
    };
  }

  async markFailed(id: string, reason: string): Promise<void> {
    const row = await this.deps.db.attachmentQueue.get(id);
    if (row === undefined) return;
    const item = this.deps.vault.codec.open('attachmentQueue', id, row.body) as QueuedAttachment;
    const failed: QueuedAttachment = { ...item, failed: reason };
    await this.deps.db.attachmentQueue.update(id, {
      body: this.deps.vault.codec.seal('attachmentQueue', id, failed),
    });
  }

  /** Forgets one (sent, or cancelled by the user): header first, so it never half-shows. */
  async remove(id: string): Promise<void> {
    const row = await this.deps.db.attachmentQueue.get(id);
    if (row === undefined) return;
    const item = this.deps.vault.codec.open('attachmentQueue', id, row.body) as QueuedAttachment;
    await this.deps.db.attachmentQueue.delete(id);
    await this.removeChunks(id, item.chunks);
  }

  private async removeChunks(id: string, chunks: number): Promise<void> {
    const ids = Array.from({ length: chunks }, (_, index) => this.chunkId(id, index));
    await this.deps.db.attachmentChunks.bulkDelete(ids);
  }

  /** Drops chunk rows no header names (left by a crash while a file was being stored). */
  async purgeOrphans(): Promise<void> {
    if (this.adding > 0) return;
    const headers = new Set(await this.deps.db.attachmentQueue.toCollection().primaryKeys());
    const chunks = await this.deps.db.attachmentChunks.toCollection().primaryKeys();
    const orphans = chunks.filter((id) => !headers.has(id.slice(0, id.indexOf(':'))));
    if (orphans.length > 0) await this.deps.db.attachmentChunks.bulkDelete(orphans);
  }
}
