// WebSocket frames (`/api/v1/socket`), JSON text frames in both directions. The client says `hello`
// with the last sequence it acknowledged; the relay answers `ready` and then pushes every envelope
// above it, live, in sequence order; the client acks cumulatively. Close codes are in SOCKET_CLOSE.
import Type, { type Static } from 'typebox';
import { MailboxEnvelopeSchema } from './mailbox';
import { SeqSchema } from './bytes';
import { PrekeyCountSchema } from './keys';

export const SOCKET_LIMITS = {
  /** Largest frame a client may send; its frames are small JSON. */
  maxClientFrameBytes: 4 * 1024,
  /** Sustained client frames per second, and the burst above it. */
  framesPerSecond: 20,
  frameBurst: 60,
  /** Heartbeat: the relay pings this often and closes a socket that missed a pong. */
  heartbeatMs: 30_000,
} as const;

/** Close codes (4000–4999 are the application's own). */
export const SOCKET_CLOSE = {
  /** Normal: the relay is shutting down; reconnect later. */
  goingAway: 1001,
  /** A binary frame: only JSON text frames are spoken. */
  unsupportedData: 1003,
  /** A frame over maxClientFrameBytes (sent by the ws library itself). */
  tooBig: 1009,
  /** The session ended (signed out, revoked, account deleted). Do not reconnect: sign in. */
  sessionEnded: 4001,
  /** This device was removed from the account's device list. */
  deviceRemoved: 4003,
  /** A frame that is not valid JSON or does not match the schema. */
  malformed: 4400,
  /** Too many frames; reconnect after a pause. */
  rateLimited: 4429,
  /** The client does not read fast enough; reconnect and resume. */
  slowConsumer: 4408,
  /** Another socket of the same device took over the mailbox. */
  replaced: 4409,
} as const;

// --- client to relay --------------------------------------------------------------------------

export const HelloFrameSchema = Type.Object(
  { type: Type.Literal('hello'), after: SeqSchema },
  { additionalProperties: false },
);
export const AckFrameSchema = Type.Object(
  { type: Type.Literal('ack'), upTo: SeqSchema },
  { additionalProperties: false },
);
export const PingFrameSchema = Type.Object(
  { type: Type.Literal('ping'), nonce: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);
export const ClientFrameSchema = Type.Union([HelloFrameSchema, AckFrameSchema, PingFrameSchema]);
export type ClientFrame = Static<typeof ClientFrameSchema>;

// --- relay to client --------------------------------------------------------------------------

export const ReadyFrameSchema = Type.Object(
  {
    type: Type.Literal('ready'),
    /** The highest sequence in the mailbox when the socket became ready. */
    head: SeqSchema,
    prekeys: PrekeyCountSchema,
  },
  { additionalProperties: false },
);
export const EnvelopeFrameSchema = Type.Object(
  { type: Type.Literal('envelope'), ...MailboxEnvelopeSchema.properties },
  { additionalProperties: false },
);
export const PongFrameSchema = Type.Object(
  { type: Type.Literal('pong'), nonce: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);
/** One-time prekeys of this device run low: upload a refill. */
export const PrekeysLowFrameSchema = Type.Object(
  { type: Type.Literal('prekeys-low'), prekeys: PrekeyCountSchema },
  { additionalProperties: false },
);
/**
 * The account's signed device list changed (a device added, renamed or removed): fetch the list,
 * verify it, and show the change. Sent to the account's other devices' sockets.
 */
export const DeviceListFrameSchema = Type.Object(
  {
    type: Type.Literal('device-list'),
    counter: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
  },
  { additionalProperties: false },
);
export const ErrorFrameSchema = Type.Object(
  { type: Type.Literal('error'), code: Type.String(), message: Type.String() },
  { additionalProperties: false },
);
export const RelayFrameSchema = Type.Union([
  ReadyFrameSchema,
  EnvelopeFrameSchema,
  PongFrameSchema,
  PrekeysLowFrameSchema,
  DeviceListFrameSchema,
  ErrorFrameSchema,
]);
export type RelayFrame = Static<typeof RelayFrameSchema>;
export type ReadyFrame = Static<typeof ReadyFrameSchema>;
export type EnvelopeFrame = Static<typeof EnvelopeFrameSchema>;
