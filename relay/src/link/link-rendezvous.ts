// The rendezvous mailbox of device linking: two sides of a channel (the new browser, the existing
// device) leave each other a few small opaque messages, read by channel id. Held in memory only:
// a channel lives five minutes and carries nothing the relay can read, so nothing of it is worth a
// row in the database, and a restart simply asks the user to start the link again. With several
// relay instances this moves behind the notifier like the mailbox's fan-out.
import type { LinkSide } from '@veil/wire';
import { LINK_LIMITS } from '@veil/wire';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { RelayLinkBusyError, RelayLinkChannelFullError } from '../errors';

interface Channel {
  readonly expiresAt: number;
  readonly messages: Record<LinkSide, string[]>;
}

export class LinkRendezvous {
  private readonly channels = new Map<string, Channel>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds a message from `side`; the channel starts (and its five minutes run) at its first one. */
  post(channelId: string, side: LinkSide, message: string): void {
    this.sweep();
    let channel = this.channels.get(channelId);
    if (channel === undefined) {
      if (this.channels.size >= LINK_LIMITS.maxChannels) throw new RelayLinkBusyError();
      channel = { expiresAt: this.now() + LINK_LIMITS.ttlMs, messages: { new: [], existing: [] } };
      this.channels.set(channelId, channel);
    }
    const list = channel.messages[side];
    if (list.length >= LINK_LIMITS.maxMessagesPerSide) throw new RelayLinkChannelFullError();
    list.push(message);
  }

  /** What `side` has posted so far (nothing for an unknown or expired channel). */
  read(channelId: string, side: LinkSide): readonly string[] {
    this.sweep();
    return this.channels.get(channelId)?.messages[side] ?? [];
  }

  get size(): number {
    return this.channels.size;
  }

  private sweep(): void {
    const now = this.now();
    // Channels are kept in creation order with one lifetime, so the expired ones come first.
    for (const [id, channel] of this.channels) {
      if (channel.expiresAt > now) break;
      this.channels.delete(id);
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    linkRendezvous: LinkRendezvous;
  }
}

export default fp(
  async (app: FastifyInstance) => {
    app.decorate('linkRendezvous', new LinkRendezvous());
  },
  { name: 'link-rendezvous' },
);
