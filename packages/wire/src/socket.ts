// WebSocket frames (`/api/v1/socket`), JSON text frames in both directions. The client says `hello`
// with the last sequence it acknowledged; the relay answers `ready` and then pushes every envelope
// above it, live, in sequence order; the client acks cumulatively. Close codes and limits
// are in socket-limits.ts.
import Type, { type Static } from 'typebox';
import { MailboxEnvelopeSchema } from './mailbox';
import { SeqSchema } from './bytes';
import { PrekeyCountSchema } from './keys';

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
