// Fan-out between the code that commits an envelope and the sockets that deliver it. Routes only
// see the Notifier interface; this in-process implementation can be swapped for one over Postgres
// LISTEN/NOTIFY or NATS so several relay instances share mailboxes.
import type { MailboxEnvelope } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface MailboxAddress {
  readonly accountId: number;
  readonly deviceId: number;
}

/**
 * What a device's sockets hear about: new envelopes (after the commit), a prekey refill due, or a
 * new signed device list of its account (another device added, renamed or removed one).
 */
export type MailboxEvent =
  | {
      readonly kind: 'envelopes';
      readonly highestSeq: number;
      /**
       * The committed envelopes themselves, in sequence order, when the publisher has them at
       * hand (a notifier across instances may leave them out): a caught-up socket sends them
       * without reading the database back.
       */
      readonly envelopes?: readonly MailboxEnvelope[];
    }
  | { readonly kind: 'prekeys-low' }
  | { readonly kind: 'device-list'; readonly counter: number };

export type MailboxListener = (event: MailboxEvent) => void;

export interface Notifier {
  /** Announces an event to every subscriber of `mailbox`, on this relay instance or any other. */
  publish(mailbox: MailboxAddress, event: MailboxEvent): void;
  /** Calls `listener` for every later publish to `mailbox`; returns the unsubscribe function. */
  subscribe(mailbox: MailboxAddress, listener: MailboxListener): () => void;
}

export class InProcessNotifier implements Notifier {
  private readonly listeners = new Map<string, Set<MailboxListener>>();

  private static key(mailbox: MailboxAddress): string {
    return `${mailbox.accountId}:${mailbox.deviceId}`;
  }

  publish(mailbox: MailboxAddress, event: MailboxEvent): void {
    const set = this.listeners.get(InProcessNotifier.key(mailbox));
    if (set === undefined) return;
    for (const listener of [...set]) listener(event);
  }

  subscribe(mailbox: MailboxAddress, listener: MailboxListener): () => void {
    const key = InProcessNotifier.key(mailbox);
    let set = this.listeners.get(key);
    if (set === undefined) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  /** Number of live subscriptions, for metrics. */
  get size(): number {
    let total = 0;
    for (const set of this.listeners.values()) total += set.size;
    return total;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    notifier: Notifier;
  }
}

async function notifier(app: FastifyInstance): Promise<void> {
  app.decorate('notifier', new InProcessNotifier());
}

export default fp(notifier, { name: 'notifier' });
