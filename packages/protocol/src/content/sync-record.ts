// What one device of an account tells the account's other devices, inside a `sync` content record
// (content-record.ts): a history transfer to fetch, a contact's state, how far a conversation was
// read, the account-wide settings. Receivers accept it only from a device in the account's own
// signed list.
//
// Layout (version 1, VERSION.syncRecord): u8 version | u8 kind | kind-specific fields:
//   history (1): u32 len + AttachmentPointer of the transfer blob | u32 message count
//   contact (2): u16 len + peer | 32 account key pinned for them | u8 present (0 removed) |
//                u8 blocked | u8 muted | u8 verified (about that key: a receiver pinning another
//                key ignores it)
//   read (3):    u8 scope (0 direct, 1 group) | u16 len + conversation (the peer's account id, or
//                the group id in base64url) | 16 message id (read up to and including it)
//   settings (4): u8 typing indicators | u8 read receipts | u64 changedAt (ms; the newest change
//                wins on every device, ties going to the higher device id: settings-store.ts)
//   groupMute (6): 16 groupId | u64 muted until (ms; 0 = not muted, 2^53 - 1 = until unmuted)
// Every flag is 0 or 1; a peer or group id is non-empty and at most 64 bytes.

import { LIMITS, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { utf8 } from '../encoding/bytes';
import { fail } from '../errors';
import { GROUP_ID_BYTES } from '../group/group-types';
import { SIZES } from '../primitives/sizes';
import type { Ed25519PublicKey } from '../types';
import { CONTENT_LIMITS, MESSAGE_ID_BYTES, type MessageId } from './content-record';

export type SyncRecord =
  | { readonly kind: 'history'; readonly pointer: Uint8Array; readonly messageCount: number }
  | {
      readonly kind: 'contact';
      readonly peer: string;
      readonly accountKey: Ed25519PublicKey;
      readonly present: boolean;
      readonly blocked: boolean;
      readonly muted: boolean;
      readonly verified: boolean;
    }
  | {
      readonly kind: 'read';
      readonly scope: 'direct' | 'group';
      /** The peer's account id, or the group id (base64url). */
      readonly conversation: string;
      readonly upTo: MessageId;
    }
  | {
      readonly kind: 'settings';
      readonly typingIndicators: boolean;
      readonly readReceipts: boolean;
      readonly changedAt: number;
    }
  | { readonly kind: 'groupMute'; readonly groupId: Uint8Array; readonly mutedUntil: number };

// 5 is unused: kept free while the read-state and settings kinds were being added beside groupMute.
const KIND_CODES = {
  history: 1,
  contact: 2,
  read: 3,
  settings: 4,
  groupMute: 6,
} as const satisfies Record<SyncRecord['kind'], number>;

const flag = (value: boolean): number => (value ? 1 : 0);

function readFlag(reader: ByteReader): boolean {
  const value = reader.u8();
  if (value > 1) fail('MALFORMED', 'decodeSyncRecord: a flag must be 0 or 1');
  return value === 1;
}

function writePeer(writer: ByteWriter, peer: string): void {
  const length = utf8(peer).length;
  if (length === 0 || length > LIMITS.maxAccountIdBytes) {
    fail('INVALID_ARGUMENT', 'encodeSyncRecord: a sync record names an account');
  }
  writer.string(peer);
}

function readPeer(reader: ByteReader): string {
  const peer = reader.string(LIMITS.maxAccountIdBytes);
  if (peer === '') fail('MALFORMED', 'decodeSyncRecord: a sync record names an account');
  return peer;
}

export function encodeSyncRecord(record: SyncRecord): Uint8Array {
  const writer = new ByteWriter(64).u8(VERSION.syncRecord).u8(KIND_CODES[record.kind]);
  switch (record.kind) {
    case 'history':
      if (record.pointer.length > CONTENT_LIMITS.embeddedBytes)
        fail('TOO_LARGE', 'encodeSyncRecord: pointer too large');
      writer.bytes(record.pointer).u32(record.messageCount);
      break;
    case 'contact':
      writePeer(writer, record.peer);
      writer
        .fixed(record.accountKey, SIZES.ed25519PublicKey)
        .u8(flag(record.present))
        .u8(flag(record.blocked))
        .u8(flag(record.muted))
        .u8(flag(record.verified));
      break;
    case 'read':
      writer.u8(record.scope === 'group' ? 1 : 0);
      writePeer(writer, record.conversation);
      writer.fixed(record.upTo, MESSAGE_ID_BYTES);
      break;
    case 'settings':
      writer.u8(flag(record.typingIndicators)).u8(flag(record.readReceipts)).u64(record.changedAt);
      break;
    case 'groupMute':
      writer.fixed(record.groupId, GROUP_ID_BYTES).u64(record.mutedUntil);
      break;
  }
  return writer.finish();
}

export function decodeSyncRecord(bytes: Uint8Array): SyncRecord {
  const reader = new ByteReader(bytes, 'decodeSyncRecord');
  reader.version(VERSION.syncRecord);
  const code = reader.u8();
  let record: SyncRecord;
  switch (code) {
    case KIND_CODES.history:
      record = {
        kind: 'history',
        pointer: reader.bytes(CONTENT_LIMITS.embeddedBytes),
        messageCount: reader.u32(),
      };
      break;
    case KIND_CODES.contact:
      record = {
        kind: 'contact',
        peer: readPeer(reader),
        accountKey: reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey,
        present: readFlag(reader),
        blocked: readFlag(reader),
        muted: readFlag(reader),
        verified: readFlag(reader),
      };
      break;
    case KIND_CODES.read:
      record = {
        kind: 'read',
        scope: readFlag(reader) ? 'group' : 'direct',
        conversation: readPeer(reader),
        upTo: reader.fixed(MESSAGE_ID_BYTES),
      };
      break;
    case KIND_CODES.settings:
      record = {
        kind: 'settings',
        typingIndicators: readFlag(reader),
        readReceipts: readFlag(reader),
        changedAt: reader.u64(),
      };
      break;
    case KIND_CODES.groupMute:
      record = {
        kind: 'groupMute',
        groupId: reader.fixed(GROUP_ID_BYTES),
        mutedUntil: reader.u64(),
      };
      break;
    default:
      fail('MALFORMED', `decodeSyncRecord: unknown sync kind ${code}`);
  }
  reader.end();
  return record;
}
