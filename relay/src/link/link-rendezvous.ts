// The rendezvous mailbox of device linking: two sides of a channel (the new browser, the existing
// device) leave each other a few small opaque messages, read by channel id. Held in memory only:
// a channel lives five minutes and carries nothing the relay can read, so nothing of it is worth a
// row in the database, and a restart simply asks the user to start the link again. With several
// relay instances this moves behind the notifier like the mailbox's fan-out.
import type { LinkSide } from '@veil/wire';
import { LINK_LIMITS } from '@veil/wire';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import {
  RelayLinkBusyError,
  RelayLinkChannelFullError,
  RelayLinkUnknownChannelError,
} from '../errors';

/** Channels one account may have open at once: a link or two in progress, never a flood. */
export const OPEN_CHANNELS_PER_ACCOUNT = 2;

interface Channel {
  readonly expiresAt: number;
  /** The account whose signed-in device opened it. */
  readonly openedBy: number;
  readonly messages: Record<LinkSide, string[]>;
}

export class LinkRendezvous {
  private readonly channels = new Map<string, Channel>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Adds a message from `side`. Only the existing device's first message opens a channel (its five
   * minutes run from then), so `openedBy` — the account of that device's session — is required
   * there: an anonymous caller cannot fill the store, and one account holds at most
   * OPEN_CHANNELS_PER_ACCOUNT at once. The new browser only ever answers an open channel. Later
   * existing-side posts must come from the same account: another account that learnt the channel
   * id could otherwise spend the link's message quota (and it is told nothing of the channel).
   */
  post(channelId: string, side: LinkSide, message: string, openedBy?: number): void {
    this.sweep();
    let channel = this.channels.get(channelId);
    if (channel === undefined) {
      if (side === 'new' || openedBy === undefined) throw new RelayLinkUnknownChannelError();
      if (this.channels.size >= LINK_LIMITS.maxChannels) throw new RelayLinkBusyError();
      let open = 0;
      for (const other of this.channels.values()) if (other.openedBy === openedBy) open += 1;
      if (open >= OPEN_CHANNELS_PER_ACCOUNT) throw new RelayLinkBusyError();
      channel = {
        expiresAt: this.now() + LINK_LIMITS.ttlMs,
        openedBy,
        messages: { new: [], existing: [] },
      };
      this.channels.set(channelId, channel);
    } else if (side === 'existing' && channel.openedBy !== openedBy) {
      // The same answer as for no channel at all, so a guess learns nothing about which exist.
      throw new RelayLinkUnknownChannelError();
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
