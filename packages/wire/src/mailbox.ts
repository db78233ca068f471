// Bodies of the mailbox (`/api/v1/messages`, `/api/v1/mailbox`): a sender submits sealed envelopes
// for one or many recipient devices; each recipient device reads its own mailbox in sequence order
// and acknowledges by sequence. Nothing here names the sender: the envelope is sealed (see
// docs/protocol.md §6), and the relay stores only (recipient device, sequence, bytes).
import Type, { type Static } from 'typebox';
import { UsernameSchema } from './username-schemas';
import { ErrorReplySchema } from './errors';
import { Base64UrlBytes, Base64UrlFixed, DeviceIdSchema, MillisSchema, SeqSchema } from './bytes';

export const MAILBOX_LIMITS = {
  /** The protocol's largest sealed envelope (its largest padding bucket). */
  envelopeBytes: 512 * 1024,
  /** A multi-recipient key record: a sealed 32-byte body key. */
  keyRecordBytes: 48,
  /** Distinct bodies in one submission (one per device for 1:1, one for a group message). */
  envelopesPerSubmit: 16,
  /** Recipient devices of one body (a group of 1000 members is sent in several submissions). */
  recipientsPerEnvelope: 1000,
  /** Envelopes a mailbox read returns at most. */
  pageSize: 100,
  /**
   * Device-list counters a reply carries at most: every named account's when a submission names
   * this few (a 1:1 send, a small group), else those whose list changed in the last
   * `listRecentMs`, newest first (a large group).
   */
  listsPerReply: 16,
  /**
   * How recent a list change a large fan-out's reply still names. Clients fetch a list older than a
   * minute before sending (DEVICE_LIST_MAX_AGE_MS), so only a change younger than that can be missing
   * from what a sender holds; ten minutes also covers a send that sat in an offline outbox a while.
   */
  listRecentMs: 10 * 60_000,
} as const;

/** 128 random bits chosen by the sender per logical message; a retry reuses it. */
export const ClientIdSchema = Base64UrlFixed(16);

export const RecipientSchema = Type.Object(
  {
    username: UsernameSchema,
    deviceId: DeviceIdSchema,
    /** For a multi-recipient body: this device's key record. */
    keyRecord: Type.Optional(Base64UrlFixed(MAILBOX_LIMITS.keyRecordBytes)),
  },
  { additionalProperties: false },
);
export type Recipient = Static<typeof RecipientSchema>;

export const SubmitEnvelopeSchema = Type.Object(
  {
    body: Base64UrlBytes(MAILBOX_LIMITS.envelopeBytes),
    to: Type.Array(RecipientSchema, {
      minItems: 1,
      maxItems: MAILBOX_LIMITS.recipientsPerEnvelope,
    }),
  },
  { additionalProperties: false },
);
export type SubmitEnvelope = Static<typeof SubmitEnvelopeSchema>;

export const SubmitBodySchema = Type.Object(
  {
    clientId: ClientIdSchema,
    envelopes: Type.Array(SubmitEnvelopeSchema, {
      minItems: 1,
      maxItems: MAILBOX_LIMITS.envelopesPerSubmit,
    }),
  },
  { additionalProperties: false },
);
export type SubmitBody = Static<typeof SubmitBodySchema>;

/**
 * The counter of an account's current signed device list (docs/protocol.md §2.3). A sender whose
 * list of that account is older fetches the signed list and verifies it: the relay's word only
 * says when to look, never which devices there are.
 */
export const DeviceListCounterSchema = Type.Object(
  { username: UsernameSchema, counter: Type.Integer({ minimum: 0, maximum: 0xffffffff }) },
  { additionalProperties: false },
);
export type DeviceListCounter = Static<typeof DeviceListCounterSchema>;

/** Sent only after the envelopes are committed: from here on the relay holds them. */
export const SubmitReplySchema = Type.Object(
  {
    /** True when this client id was already stored: a retry, nothing stored twice. */
    duplicate: Type.Boolean(),
    deliveries: Type.Integer({ minimum: 0 }),
    /**
     * For a fresh submission: the device-list counters of the accounts it names (all of them when
     * at most `listsPerReply`, else those changed in the last `listRecentMs`), so a sender holding
     * an older list learns at once that a device was added.
     */
    lists: Type.Optional(
      Type.Array(DeviceListCounterSchema, { maxItems: MAILBOX_LIMITS.listsPerReply }),
    ),
  },
  { additionalProperties: false },
);
export type SubmitReply = Static<typeof SubmitReplySchema>;

/** 409: some recipient devices do not exist (any more); refresh their device lists and resend. */
export const UnknownDevicesReplySchema = Type.Object(
  {
    statusCode: Type.Literal(409),
    code: Type.Literal('RELAY_ERR_UNKNOWN_DEVICES'),
    error: Type.String(),
    message: Type.String(),
    unknown: Type.Array(
      Type.Object(
        { username: UsernameSchema, deviceId: DeviceIdSchema },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type UnknownDevicesReply = Static<typeof UnknownDevicesReplySchema>;

/** A submission's 409: unknown devices, or RELAY_ERR_CLIENT_ID_REUSED (a plain error body). */
export const SubmitConflictReplySchema = Type.Union([UnknownDevicesReplySchema, ErrorReplySchema]);

export const MailboxEnvelopeSchema = Type.Object(
  {
    seq: SeqSchema,
    body: Base64UrlBytes(MAILBOX_LIMITS.envelopeBytes),
    keyRecord: Type.Optional(Base64UrlFixed(MAILBOX_LIMITS.keyRecordBytes)),
    receivedAt: MillisSchema,
  },
  { additionalProperties: false },
);
export type MailboxEnvelope = Static<typeof MailboxEnvelopeSchema>;

export const MailboxQuerySchema = Type.Object(
  {
    /** Return envelopes with a sequence above this one (the last one acknowledged). */
    after: Type.Optional(SeqSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAILBOX_LIMITS.pageSize })),
  },
  { additionalProperties: false },
);
export type MailboxQuery = Static<typeof MailboxQuerySchema>;

export const MailboxPageSchema = Type.Object(
  { envelopes: Type.Array(MailboxEnvelopeSchema), more: Type.Boolean() },
  { additionalProperties: false },
);
export type MailboxPage = Static<typeof MailboxPageSchema>;

/** Cumulative: every envelope up to and including `upTo` is processed and may be deleted. */
export const AckBodySchema = Type.Object({ upTo: SeqSchema }, { additionalProperties: false });
export type AckBody = Static<typeof AckBodySchema>;
