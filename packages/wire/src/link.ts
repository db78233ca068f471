// Bodies of device linking (`/api/v1/link`): the rendezvous mailbox through which a new browser and
// an existing device of the account run their exchange, and the one-time enrolment that gives the
// new browser its relay session. The relay relays opaque bytes by channel id and understands none of
// them (docs/protocol.md, "Linking a device"; docs/relay.md, "Device linking").
import Type, { type Static } from 'typebox';
import { Base64UrlBytes, MillisSchema, TicketTokenSchema } from './bytes';
import { BlobIdSchema } from './blobs';

export const LINK_LIMITS = {
  /** How long a channel lives after its first message, and an enrolment token after it is made. */
  ttlMs: 5 * 60_000,
  /** Largest message one side may post (the biggest, the payload, is under 200 bytes). */
  maxMessageBytes: 512,
  /** Messages one side may post to one channel (hello + payload, or ready, plus retries). */
  maxMessagesPerSide: 4,
  /** Channels the relay holds at once; more are refused until some expire. */
  maxChannels: 10_000,
} as const;

/** Which end of the channel: the browser being linked, or the signed-in device linking it. */
export const LinkSideSchema = Type.Union([Type.Literal('new'), Type.Literal('existing')]);
export type LinkSide = Static<typeof LinkSideSchema>;

/** 16 random bytes as canonical base64url, as a blob id: the channel id is the capability. */
export const LinkChannelIdSchema = BlobIdSchema;

export const LinkChannelParamsSchema = Type.Object(
  { channel: LinkChannelIdSchema, side: LinkSideSchema },
  { additionalProperties: false },
);
export type LinkChannelParams = Static<typeof LinkChannelParamsSchema>;

/** `POST /api/v1/link/:channel/:side`: a message from that side. */
export const LinkPostBodySchema = Type.Object(
  { message: Base64UrlBytes(LINK_LIMITS.maxMessageBytes) },
  { additionalProperties: false },
);
export type LinkPostBody = Static<typeof LinkPostBodySchema>;

/** `GET /api/v1/link/:channel/:side`: every message that side has posted, oldest first. */
export const LinkMessagesReplySchema = Type.Object(
  {
    messages: Type.Array(Base64UrlBytes(LINK_LIMITS.maxMessageBytes), {
      maxItems: LINK_LIMITS.maxMessagesPerSide,
    }),
  },
  { additionalProperties: false },
);
export type LinkMessagesReply = Static<typeof LinkMessagesReplySchema>;

const EnrolmentTokenSchema = TicketTokenSchema;

/** `POST /api/v1/link/enrolments` (a signed-in device): a one-time token for one new device. */
export const LinkEnrolmentReplySchema = Type.Object(
  { token: EnrolmentTokenSchema, expiresAt: MillisSchema },
  { additionalProperties: false },
);
export type LinkEnrolmentReply = Static<typeof LinkEnrolmentReplySchema>;

/**
 * `POST /api/v1/auth/link`: the token, redeemed once for a session not yet bound to a device; the
 * reply is a sign-in's (`SignedInReply`).
 */
export const LinkSignInBodySchema = Type.Object(
  { token: EnrolmentTokenSchema },
  { additionalProperties: false },
);
export type LinkSignInBody = Static<typeof LinkSignInBodySchema>;
