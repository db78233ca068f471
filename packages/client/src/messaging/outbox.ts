// The outbox: every outgoing envelope is stored (vault-encrypted) before the first attempt to send
// it, with a random client id that makes retries idempotent at the relay. It flushes in order on
// start, on `online` and on socket open; a network failure leaves the entry for the next flush
// (with backoff), a refusal by the relay marks it failed so the UI can say so.
import { toBase64Url, type Primitives } from '@veil/protocol';
import type { DeviceListCounter } from '@veil/wire';
import { ReconnectBackoff } from '../reconnect-backoff';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';

export interface OutboxRecipient {
  readonly username: string;
  readonly deviceId: number;
  /** For multi-recipient envelopes: this device's sealed key record. */
  readonly keyRecord?: Uint8Array;
}

export interface OutboxEntry {
  readonly clientId: string;
  readonly body: Uint8Array;
  readonly recipients: readonly OutboxRecipient[];
  /** What the entry delivers, so the UI can mark the message sent or failed. */
  readonly messageId: string | null;
  readonly attempts: number;
  readonly failed: boolean;
}

/** What the relay said when it took an entry: the named accounts' device-list counters. */
export interface OutboxReceipt {
  readonly lists?: readonly DeviceListCounter[];
}

/** How the outbox reaches the relay. `retryable` errors keep the entry queued. */
export interface OutboxTransport {
  submit(entry: {
    clientId: string;
    body: Uint8Array;
    recipients: readonly OutboxRecipient[];
  }): Promise<OutboxReceipt>;
}

export class OutboxError extends Error {
  override readonly name = 'OutboxError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export type OutboxEvent =
  | {
      readonly type: 'sent';
      readonly entry: OutboxEntry;
      readonly lists?: readonly DeviceListCounter[];
    }
  | { readonly type: 'failed'; readonly entry: OutboxEntry; readonly reason: string };

export class Outbox {
  private flushing: Promise<void> | null = null;
  /** Set by a flush() that arrived during a run. */
  private again = false;
  private order = 0;
  private readonly backoff = new ReconnectBackoff({ baseMs: 1_000, capMs: 60_000 });
  private notBefore = 0;

  constructor(
    private readonly p: Primitives,
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
    private readonly transport: OutboxTransport,
    private readonly onEvent: (event: OutboxEvent) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores an envelope for sending; returns its client id. Call flush() afterwards. */
  async enqueue(options: {
    body: Uint8Array;
    recipients: readonly OutboxRecipient[];
    messageId?: string;
  }): Promise<string> {
    const clientId = toBase64Url(this.p.randomBytes(16));
    const entry: OutboxEntry = {
      clientId,
      body: options.body,
      recipients: options.recipients,
      messageId: options.messageId ?? null,
      attempts: 0,
      failed: false,
    };
    const last = await this.db.outbox.orderBy('order').last();
    this.order = Math.max(this.order, last?.order ?? 0) + 1;
    await this.db.outbox.put({
      id: clientId,
      order: this.order,
      body: this.vault.codec.seal('outbox', clientId, entry),
    });
    return clientId;
  }

  async pending(): Promise<OutboxEntry[]> {
    const rows = await this.db.outbox.orderBy('order').toArray();
    return rows.map((row) => this.vault.codec.open('outbox', row.id, row.body) as OutboxEntry);
  }

  /**
   * Sends queued entries in order; concurrent calls share one run. Resolves when done or paused.
   * A call during a run makes the run look again when it ends: it read the queue when it started,
   * so an entry enqueued meanwhile (a read receipt queued while a delivery receipt is in flight)
   * would otherwise wait for some later flush.
   */
  flush(options: { force?: boolean } = {}): Promise<void> {
    if (options.force === true) this.notBefore = 0;
    if (this.flushing !== null) {
      this.again = true;
      return this.flushing;
    }
    this.again = false;
    this.flushing = (async () => {
      do await this.run();
      while (this.takeAgain());
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private takeAgain(): boolean {
    const again = this.again;
    this.again = false;
    return again;
  }

  /** Removes a failed entry (the user gave up on it). */
  async discard(clientId: string): Promise<void> {
    await this.db.outbox.delete(clientId);
  }

  private async run(): Promise<void> {
    if (this.now() < this.notBefore) return;
    for (const entry of await this.pending()) {
      if (entry.failed) continue;
      let receipt: OutboxReceipt;
      try {
        receipt = await this.transport.submit({
          clientId: entry.clientId,
          body: entry.body,
          recipients: entry.recipients,
        });
      } catch (error) {
        const retryable = !(error instanceof OutboxError) || error.retryable;
        const updated = { ...entry, attempts: entry.attempts + 1, failed: !retryable };
        await this.save(updated);
        if (retryable) {
          // Keep the order: nothing behind a stuck entry overtakes it.
          this.notBefore = this.now() + this.backoff.nextDelayMs();
          return;
        }
        this.onEvent({ type: 'failed', entry: updated, reason: (error as Error).message });
        continue;
      }
      await this.db.outbox.delete(entry.clientId);
      this.backoff.reset();
      this.onEvent({
        type: 'sent',
        entry,
        ...(receipt.lists === undefined ? {} : { lists: receipt.lists }),
      });
    }
  }

  private async save(entry: OutboxEntry): Promise<void> {
    await this.db.outbox.update(entry.clientId, {
      body: this.vault.codec.seal('outbox', entry.clientId, entry),
    });
  }
}
