// The relay's side of device linking, typed by @veil/wire: the rendezvous mailbox (opaque bytes by
// channel id and side), the enrolment a signed-in device makes, and its redemption by the new
// browser. Bytes cross as base64url; what they mean is @veil/protocol's device-link.ts.
import { fromBase64Url, toBase64Url } from '@veil/protocol';
import type { LinkEnrolmentReply, LinkMessagesReply, LinkSide, SignedInReply } from '@veil/wire';
import type { RelayHttp } from '../relay/relay-http';

/** How often a side looks for the other's next message; a link takes a few of these. */
export const LINK_POLL_MS = 500;

export class LinkApi {
  constructor(private readonly http: RelayHttp) {}

  async post(channelId: Uint8Array, side: LinkSide, message: Uint8Array): Promise<void> {
    await this.http.post(`/api/v1/link/${toBase64Url(channelId)}/${side}`, {
      message: toBase64Url(message),
    });
  }

  async read(channelId: Uint8Array, side: LinkSide): Promise<Uint8Array[]> {
    const reply = await this.http.get<LinkMessagesReply>(
      `/api/v1/link/${toBase64Url(channelId)}/${side}`,
    );
    return reply.messages.map(fromBase64Url);
  }

  /**
   * The `index`th message `side` posts (0 = its first), waiting for it. A relay or a stranger may
   * post too; the protocol layer refuses what it cannot open, and the first one counts.
   */
  async next(
    channelId: Uint8Array,
    side: LinkSide,
    index: number,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    for (;;) {
      signal?.throwIfAborted();
      const messages = await this.read(channelId, side);
      const message = messages[index];
      if (message !== undefined) return message;
      await new Promise((resolve) => setTimeout(resolve, LINK_POLL_MS));
    }
  }

  /** A signed-in, registered device asks for a one-time enrolment token (5 minutes). */
  enrol(): Promise<LinkEnrolmentReply> {
    return this.http.post<LinkEnrolmentReply>('/api/v1/link/enrolments', {});
  }

  /** The new browser redeems the token for a session of the account (not bound to a device). */
  signIn(token: string): Promise<SignedInReply> {
    return this.http.post<SignedInReply>('/api/v1/auth/link', { token });
  }
}
