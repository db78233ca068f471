// The content record: what travels inside a ratchet or sender-key message once decrypted (DESIGN.md
// §3). One versioned, typed record per message, so a client can tell text from a receipt from a
// group operation without guessing, and an unknown type is refused instead of misread.
//
// Layout (version 1):
//   u8 version | u8 type | 16 messageId | u64 sentAt (ms) | type-specific fields:
//   text (1):        u32 len + UTF-8 text | u8 hasReply [| 16 replyTo] | u32 expireSeconds
//   attachment (2):  u32 len + AttachmentPointer | u32 len + UTF-8 caption | u8 hasReply [| 16 replyTo]
//                    | u32 expireSeconds
//   reaction (3):    16 target | u16 len + emoji (≤ 32 bytes) | u8 remove (0/1)
//   receipt (4):     u8 kind (1 delivered, 2 read) | u16 n | n × 16 target
//   typing (5):      u8 typing (0/1)
//   edit (6):        16 target | u32 len + UTF-8 text
//   delete (7):      16 target
//   groupOperation (8):        u32 len + encoded group operation
//   disappearingTimer (9):     u32 seconds (0 = off)
//   senderKeyDistribution (10): u32 len + encoded sender-key distribution
//   profile (11):    u16 len + UTF-8 display name | u8 avatar format (0 none, 1 WebP, 2 JPEG, 3 PNG)
//                    [| u32 len + image bytes, only when the format is not 0]
//   syncSent (12):   u16 len + peer account id | u32 len + the encoded content sent to that peer
//                    (a "sent transcript" for the sender's own other devices; it never nests)
//   joinRequest (13): 16 groupId | 64 proof (group-invite.ts: a request to join through a link)
//   sync (14):       u32 len + encoded sync record (sync-record.ts; own devices only)
//   joinDeclined (15): 16 groupId | u16 len + requester account id (an admin said no: told to the
//                    requester and to the group's other admins, so every pending list drops it)
//   inviteSecret (16): 16 groupId | 32 secret (the group's current invite link, admin to admin)
// Texts and captions are at most 64 KiB of UTF-8; receipts name at most 1000 messages. A display
// name is at most 128 bytes of UTF-8 (64 would leave ~21 characters of CJK or a handful of emoji)
// with no control characters (no line breaks or escapes to smuggle into a UI); "" means none. An
// avatar is 1 byte..64 KiB (a 128×128 WebP is a few KiB), so a profile fits a 128 KiB envelope.
// expireSeconds is the disappearing-messages timer the sender's conversation had when it wrote the
// message (0 = keeps): each message carries its own, so its lifetime never depends on the order in
// which timer changes and messages arrive (docs/protocol.md §7).

import { LIMITS, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { fromUtf8, utf8 } from '../encoding/bytes';
import { fail } from '../errors';
import { INVITE_SECRET_BYTES } from '../group/group-invite';
import { GROUP_ID_BYTES } from '../group/group-types';
import { assertAccountId } from '../identity/account-identity';
import { SIZES } from '../primitives/sizes';

export const MESSAGE_ID_BYTES = 16;
export const CONTENT_LIMITS = {
  textBytes: 64 * 1024,
  emojiBytes: 32,
  receiptTargets: 1000,
  embeddedBytes: 256 * 1024,
  displayNameBytes: 128,
  avatarBytes: 64 * 1024,
} as const;

export type MessageId = Uint8Array;

/** The image formats an avatar may be in; anything else is refused, never guessed. */
export type AvatarFormat = 'webp' | 'jpeg' | 'png';

export interface ProfileAvatar {
  readonly format: AvatarFormat;
  readonly bytes: Uint8Array;
}

interface Base {
  readonly messageId: MessageId;
  readonly sentAt: number;
}

/** A chat message's disappearing timer in seconds; absent (or 0) when it does not disappear. */
interface Expiring {
  readonly expireSeconds?: number;
}

export type Content =
  | (Base &
      Expiring & {
        readonly type: 'text';
        readonly text: string;
        readonly replyTo: MessageId | null;
      })
  | (Base &
      Expiring & {
        readonly type: 'attachment';
        readonly pointer: Uint8Array;
        readonly caption: string;
        readonly replyTo: MessageId | null;
      })
  | (Base & {
      readonly type: 'reaction';
      readonly target: MessageId;
      readonly emoji: string;
      readonly remove: boolean;
    })
  | (Base & {
      readonly type: 'receipt';
      readonly kind: 'delivered' | 'read';
      readonly targets: readonly MessageId[];
    })
  | (Base & { readonly type: 'typing'; readonly typing: boolean })
  | (Base & { readonly type: 'edit'; readonly target: MessageId; readonly text: string })
  | (Base & { readonly type: 'delete'; readonly target: MessageId })
  | (Base & { readonly type: 'groupOperation'; readonly operation: Uint8Array })
  | (Base & { readonly type: 'disappearingTimer'; readonly seconds: number })
  | (Base & { readonly type: 'senderKeyDistribution'; readonly distribution: Uint8Array })
  | (Base & {
      readonly type: 'profile';
      /** Chosen by its owner: never an identity (the account id and safety number are). */
      readonly displayName: string;
      readonly avatar: ProfileAvatar | null;
    })
  | (Base & {
      readonly type: 'syncSent';
      /** Whom the original went to; only the account's own devices ever receive this record. */
      readonly peer: string;
      /** The encoded content as the peer received it (never a syncSent itself). */
      readonly content: Uint8Array;
    })
  | (Base & {
      readonly type: 'joinRequest';
      /** The group asked for; the requester is whoever the pairwise session says sent it. */
      readonly groupId: Uint8Array;
      /** group-invite.ts joinRequestProof: knowledge of the link's secret, bound to the requester. */
      readonly proof: Uint8Array;
    })
  | (Base & {
      readonly type: 'sync';
      /** A sync record (sync-record.ts); only the account's own devices ever receive this. */
      readonly record: Uint8Array;
    })
  | (Base & {
      readonly type: 'joinDeclined';
      readonly groupId: Uint8Array;
      /** Whose request was declined; the admin who declined is whoever the session says sent it. */
      readonly requester: string;
    })
  | (Base & {
      readonly type: 'inviteSecret';
      readonly groupId: Uint8Array;
      /** The secret of the group's current link (group-invite.ts), for admins' devices only. */
      readonly secret: Uint8Array;
    });

export type ContentType = Content['type'];

const TYPE_CODES = {
  text: 1,
  attachment: 2,
  reaction: 3,
  receipt: 4,
  typing: 5,
  edit: 6,
  delete: 7,
  groupOperation: 8,
  disappearingTimer: 9,
  senderKeyDistribution: 10,
  profile: 11,
  syncSent: 12,
  joinRequest: 13,
  sync: 14,
  joinDeclined: 15,
  inviteSecret: 16,
} as const satisfies Record<ContentType, number>;

/** 0 is "no avatar". */
const AVATAR_FORMAT_CODES = { webp: 1, jpeg: 2, png: 3 } as const satisfies Record<
  AvatarFormat,
  number
>;

const AVATAR_FORMAT_BY_CODE = new Map<number, AvatarFormat>(
  Object.entries(AVATAR_FORMAT_CODES).map(([format, code]) => [code, format as AvatarFormat]),
);

// C0 and C1 controls, DEL included: a name is one line of visible text.
const CONTROL_CHARACTER = /\p{Cc}/u;

const TYPE_BY_CODE = new Map<number, ContentType>(
  Object.entries(TYPE_CODES).map(([type, code]) => [code, type as ContentType]),
);

function writeLongText(writer: ByteWriter, text: string, context: string): void {
  const bytes = utf8(text);
  if (bytes.length > CONTENT_LIMITS.textBytes)
    fail('TOO_LARGE', `${context}: text longer than 64 KiB`);
  writer.bytes(bytes);
}

function readLongText(reader: ByteReader): string {
  return fromUtf8(reader.bytes(CONTENT_LIMITS.textBytes), 'decodeContent');
}

function writeProfile(
  writer: ByteWriter,
  content: Extract<Content, { type: 'profile' }>,
  context: string,
): void {
  if (utf8(content.displayName).length > CONTENT_LIMITS.displayNameBytes) {
    fail(
      'TOO_LARGE',
      `${context}: display name longer than ${CONTENT_LIMITS.displayNameBytes} bytes`,
    );
  }
  if (CONTROL_CHARACTER.test(content.displayName)) {
    fail('INVALID_ARGUMENT', `${context}: display name holds a control character`);
  }
  writer.string(content.displayName);
  if (content.avatar === null) {
    writer.u8(0);
    return;
  }
  const code = AVATAR_FORMAT_CODES[content.avatar.format] as number | undefined;
  if (code === undefined) fail('INVALID_ARGUMENT', `${context}: unknown avatar format`);
  const size = content.avatar.bytes.length;
  if (size === 0) fail('INVALID_ARGUMENT', `${context}: empty avatar`);
  if (size > CONTENT_LIMITS.avatarBytes) fail('TOO_LARGE', `${context}: avatar larger than 64 KiB`);
  writer.u8(code).bytes(content.avatar.bytes);
}

function readProfile(reader: ByteReader): { displayName: string; avatar: ProfileAvatar | null } {
  const displayName = reader.string(CONTENT_LIMITS.displayNameBytes);
  if (CONTROL_CHARACTER.test(displayName)) {
    fail('MALFORMED', 'decodeContent: display name holds a control character');
  }
  const code = reader.u8();
  if (code === 0) return { displayName, avatar: null };
  const format =
    AVATAR_FORMAT_BY_CODE.get(code) ??
    fail('MALFORMED', `decodeContent: unknown avatar format ${code}`);
  const bytes = reader.bytes(CONTENT_LIMITS.avatarBytes);
  if (bytes.length === 0) fail('MALFORMED', 'decodeContent: empty avatar');
  return { displayName, avatar: { format, bytes } };
}

/** The byte after the version byte of an encoded content record: its type code. */
function innerTypeCode(inner: Uint8Array): number | undefined {
  return inner[1];
}

function writeSyncSent(
  writer: ByteWriter,
  content: Extract<Content, { type: 'syncSent' }>,
  context: string,
): void {
  const peerBytes = utf8(content.peer).length;
  if (peerBytes === 0 || peerBytes > LIMITS.maxAccountIdBytes) {
    fail('INVALID_ARGUMENT', `${context}: a sent transcript names its peer`);
  }
  if (content.content.length > CONTENT_LIMITS.embeddedBytes) {
    fail('TOO_LARGE', `${context}: sent content too large`);
  }
  if (innerTypeCode(content.content) === TYPE_CODES.syncSent) {
    fail('INVALID_ARGUMENT', `${context}: a sent transcript does not nest`);
  }
  writer.string(content.peer).bytes(content.content);
}

function readSyncSent(reader: ByteReader): { peer: string; content: Uint8Array } {
  const peer = reader.string(LIMITS.maxAccountIdBytes);
  if (peer === '') fail('MALFORMED', 'decodeContent: a sent transcript names its peer');
  const content = reader.bytes(CONTENT_LIMITS.embeddedBytes);
  if (innerTypeCode(content) === TYPE_CODES.syncSent) {
    fail('MALFORMED', 'decodeContent: a sent transcript does not nest');
  }
  return { peer, content };
}

function writeExpiry(writer: ByteWriter, seconds: number | undefined, context: string): void {
  const value = seconds ?? 0;
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    fail('INVALID_ARGUMENT', `${context}: expireSeconds must be a u32`);
  }
  writer.u32(value);
}

/** 0 is "keeps", left out so a message without a timer reads back exactly as it was written. */
function readExpiry(reader: ByteReader): Expiring {
  const seconds = reader.u32();
  return seconds === 0 ? {} : { expireSeconds: seconds };
}

function writeReply(writer: ByteWriter, replyTo: MessageId | null): void {
  if (replyTo === null) writer.u8(0);
  else writer.u8(1).fixed(replyTo, MESSAGE_ID_BYTES);
}

function readFlag(reader: ByteReader): boolean {
  const flag = reader.u8();
  if (flag > 1) fail('MALFORMED', 'decodeContent: a flag must be 0 or 1');
  return flag === 1;
}

function readReply(reader: ByteReader): MessageId | null {
  return readFlag(reader) ? reader.fixed(MESSAGE_ID_BYTES) : null;
}

export function encodeContent(content: Content): Uint8Array {
  const context = 'encodeContent';
  const writer = new ByteWriter(64)
    .u8(VERSION.content)
    .u8(TYPE_CODES[content.type])
    .fixed(content.messageId, MESSAGE_ID_BYTES)
    .u64(content.sentAt);
  switch (content.type) {
    case 'text':
      writeLongText(writer, content.text, context);
      writeReply(writer, content.replyTo);
      writeExpiry(writer, content.expireSeconds, context);
      break;
    case 'attachment':
      if (content.pointer.length > CONTENT_LIMITS.embeddedBytes)
        fail('TOO_LARGE', `${context}: pointer too large`);
      writer.bytes(content.pointer);
      writeLongText(writer, content.caption, context);
      writeReply(writer, content.replyTo);
      writeExpiry(writer, content.expireSeconds, context);
      break;
    case 'reaction':
      if (utf8(content.emoji).length > CONTENT_LIMITS.emojiBytes) {
        fail('TOO_LARGE', `${context}: reaction longer than ${CONTENT_LIMITS.emojiBytes} bytes`);
      }
      writer
        .fixed(content.target, MESSAGE_ID_BYTES)
        .string(content.emoji)
        .u8(content.remove ? 1 : 0);
      break;
    case 'receipt':
      if (content.targets.length === 0 || content.targets.length > CONTENT_LIMITS.receiptTargets) {
        fail(
          'INVALID_ARGUMENT',
          `${context}: a receipt names 1..${CONTENT_LIMITS.receiptTargets} messages`,
        );
      }
      writer.u8(content.kind === 'delivered' ? 1 : 2).u16(content.targets.length);
      for (const target of content.targets) writer.fixed(target, MESSAGE_ID_BYTES);
      break;
    case 'typing':
      writer.u8(content.typing ? 1 : 0);
      break;
    case 'edit':
      writer.fixed(content.target, MESSAGE_ID_BYTES);
      writeLongText(writer, content.text, context);
      break;
    case 'delete':
      writer.fixed(content.target, MESSAGE_ID_BYTES);
      break;
    case 'groupOperation':
      if (content.operation.length > CONTENT_LIMITS.embeddedBytes)
        fail('TOO_LARGE', `${context}: operation too large`);
      writer.bytes(content.operation);
      break;
    case 'disappearingTimer':
      writer.u32(content.seconds);
      break;
    case 'senderKeyDistribution':
      if (content.distribution.length > CONTENT_LIMITS.embeddedBytes) {
        fail('TOO_LARGE', `${context}: distribution too large`);
      }
      writer.bytes(content.distribution);
      break;
    case 'profile':
      writeProfile(writer, content, context);
      break;
    case 'syncSent':
      writeSyncSent(writer, content, context);
      break;
    case 'joinRequest':
      writer.fixed(content.groupId, GROUP_ID_BYTES).fixed(content.proof, SIZES.signature);
      break;
    case 'sync':
      if (content.record.length > CONTENT_LIMITS.embeddedBytes)
        fail('TOO_LARGE', `${context}: sync record too large`);
      writer.bytes(content.record);
      break;
    case 'joinDeclined':
      assertAccountId(content.requester, context);
      writer.fixed(content.groupId, GROUP_ID_BYTES).string(content.requester);
      break;
    case 'inviteSecret':
      writer.fixed(content.groupId, GROUP_ID_BYTES).fixed(content.secret, INVITE_SECRET_BYTES);
      break;
  }
  return writer.finish();
}

export function decodeContent(bytes: Uint8Array): Content {
  const reader = new ByteReader(bytes, 'decodeContent');
  reader.version(VERSION.content);
  const code = reader.u8();
  const type =
    TYPE_BY_CODE.get(code) ?? fail('MALFORMED', `decodeContent: unknown content type ${code}`);
  const base = { messageId: reader.fixed(MESSAGE_ID_BYTES), sentAt: reader.u64() };
  let content: Content;
  switch (type) {
    case 'text':
      content = {
        ...base,
        type,
        text: readLongText(reader),
        replyTo: readReply(reader),
        ...readExpiry(reader),
      };
      break;
    case 'attachment':
      content = {
        ...base,
        type,
        pointer: reader.bytes(CONTENT_LIMITS.embeddedBytes),
        caption: readLongText(reader),
        replyTo: readReply(reader),
        ...readExpiry(reader),
      };
      break;
    case 'reaction':
      content = {
        ...base,
        type,
        target: reader.fixed(MESSAGE_ID_BYTES),
        emoji: reader.string(CONTENT_LIMITS.emojiBytes),
        remove: readFlag(reader),
      };
      break;
    case 'receipt': {
      const kindCode = reader.u8();
      if (kindCode !== 1 && kindCode !== 2)
        fail('MALFORMED', 'decodeContent: unknown receipt kind');
      const count = reader.u16();
      if (count === 0 || count > CONTENT_LIMITS.receiptTargets)
        fail('MALFORMED', 'decodeContent: bad receipt count');
      const targets = Array.from({ length: count }, () => reader.fixed(MESSAGE_ID_BYTES));
      content = { ...base, type, kind: kindCode === 1 ? 'delivered' : 'read', targets };
      break;
    }
    case 'typing':
      content = { ...base, type, typing: readFlag(reader) };
      break;
    case 'edit':
      content = {
        ...base,
        type,
        target: reader.fixed(MESSAGE_ID_BYTES),
        text: readLongText(reader),
      };
      break;
    case 'delete':
      content = { ...base, type, target: reader.fixed(MESSAGE_ID_BYTES) };
      break;
    case 'groupOperation':
      content = { ...base, type, operation: reader.bytes(CONTENT_LIMITS.embeddedBytes) };
      break;
    case 'disappearingTimer':
      content = { ...base, type, seconds: reader.u32() };
      break;
    case 'senderKeyDistribution':
      content = { ...base, type, distribution: reader.bytes(CONTENT_LIMITS.embeddedBytes) };
      break;
    case 'profile':
      content = { ...base, type, ...readProfile(reader) };
      break;
    case 'syncSent':
      content = { ...base, type, ...readSyncSent(reader) };
      break;
    case 'joinRequest':
      content = {
        ...base,
        type,
        groupId: reader.fixed(GROUP_ID_BYTES),
        proof: reader.fixed(SIZES.signature),
      };
      break;
    case 'sync':
      content = { ...base, type, record: reader.bytes(CONTENT_LIMITS.embeddedBytes) };
      break;
    case 'joinDeclined': {
      const groupId = reader.fixed(GROUP_ID_BYTES);
      const requester = reader.string(LIMITS.maxAccountIdBytes);
      if (requester === '') fail('MALFORMED', 'decodeContent: a decline names an account');
      content = { ...base, type, groupId, requester };
      break;
    }
    case 'inviteSecret':
      content = {
        ...base,
        type,
        groupId: reader.fixed(GROUP_ID_BYTES),
        secret: reader.fixed(INVITE_SECRET_BYTES),
      };
      break;
  }
  reader.end();
  return content;
}
