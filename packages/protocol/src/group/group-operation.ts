// Group operations: the only way group state changes. Each is signed by a member's ACCOUNT key and
// chained to the previous one by hash, so the relay can neither forge, reorder, replay nor fork
// a group's history (DESIGN.md §4).
//
// Layout (version 1):
//   u8 version | 16 groupId | u64 epoch (the state's epoch after this operation)
//   | 32 previousHash (0×32 for create) | u16 len + signer accountId | u8 type | payload | 64 signature
// payload: create (1):  u16 len + name | u16 n | n × (u16 len + accountId | 32 accountKey)
//          add (2):     u16 len + accountId | 32 accountKey
//          remove (3), promote (4): u16 len + accountId
//          rename (5):  u16 len + name
//          leave (6):   (nothing)
//          link (7):    u8 hasKey | [32 invite public key]  (set, reset or revoke the invite link)
// signature = Ed25519(signer's account key, LABEL.groupOperation || every byte before the signature)
// hash      = BLAKE2b-256(LABEL.groupStateHash || the whole encoded operation)

import { LABEL, LIMITS, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import type { Ed25519PublicKey, Ed25519SecretKey } from '../types';
import { GROUP_ID_BYTES, type GroupMember } from './group-types';

export type GroupOperationBody =
  | { readonly type: 'create'; readonly name: string; readonly members: readonly GroupMember[] }
  | { readonly type: 'add'; readonly member: GroupMember }
  | { readonly type: 'remove'; readonly accountId: string }
  | { readonly type: 'promote'; readonly accountId: string }
  | { readonly type: 'rename'; readonly name: string }
  | { readonly type: 'leave' }
  /** The invite link's public key (group-invite.ts), or null: the link is revoked. */
  | { readonly type: 'link'; readonly inviteKey: Ed25519PublicKey | null };

export interface GroupOperation {
  readonly groupId: Uint8Array;
  readonly epoch: number;
  readonly previousHash: Uint8Array;
  readonly signer: string;
  readonly body: GroupOperationBody;
  readonly signature: Uint8Array;
}

const TYPE_CODES = {
  create: 1,
  add: 2,
  remove: 3,
  promote: 4,
  rename: 5,
  leave: 6,
  link: 7,
} as const;
const TYPE_BY_CODE = new Map(
  Object.entries(TYPE_CODES).map(([type, code]) => [code, type as GroupOperationBody['type']]),
);

function encodeUnsigned(op: Omit<GroupOperation, 'signature'>): Uint8Array {
  const writer = new ByteWriter(128)
    .u8(VERSION.groupOperation)
    .fixed(op.groupId, GROUP_ID_BYTES)
    .u64(op.epoch)
    .fixed(op.previousHash, 32)
    .string(op.signer)
    .u8(TYPE_CODES[op.body.type]);
  const body = op.body;
  switch (body.type) {
    case 'create':
      writer.string(body.name).u16(body.members.length);
      for (const member of body.members)
        writer.string(member.accountId).fixed(member.accountKey, 32);
      break;
    case 'add':
      writer.string(body.member.accountId).fixed(body.member.accountKey, 32);
      break;
    case 'remove':
    case 'promote':
      writer.string(body.accountId);
      break;
    case 'rename':
      writer.string(body.name);
      break;
    case 'leave':
      break;
    case 'link':
      if (body.inviteKey === null) writer.u8(0);
      else writer.u8(1).fixed(body.inviteKey, SIZES.ed25519PublicKey);
      break;
  }
  return writer.finish();
}

export function signGroupOperation(
  p: Primitives,
  options: { unsigned: Omit<GroupOperation, 'signature'>; signerSecret: Ed25519SecretKey },
): Uint8Array {
  const unsigned = encodeUnsigned(options.unsigned);
  return concatBytes(
    unsigned,
    p.sign(options.signerSecret, concatBytes(LABEL.groupOperation, unsigned)),
  );
}

export function decodeGroupOperation(bytes: Uint8Array): GroupOperation {
  const reader = new ByteReader(bytes, 'decodeGroupOperation');
  reader.version(VERSION.groupOperation);
  const groupId = reader.fixed(GROUP_ID_BYTES);
  const epoch = reader.u64();
  const previousHash = reader.fixed(32);
  const signer = reader.string(LIMITS.maxAccountIdBytes);
  const code = reader.u8();
  const type =
    TYPE_BY_CODE.get(code as 1) ?? fail('MALFORMED', `decodeGroupOperation: unknown type ${code}`);
  const member = (): GroupMember => ({
    accountId: reader.string(LIMITS.maxAccountIdBytes),
    accountKey: reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey,
  });
  let body: GroupOperationBody;
  switch (type) {
    case 'create': {
      const name = reader.string(LIMITS.maxGroupNameBytes);
      const count = reader.u16();
      if (count > LIMITS.maxGroupMembers)
        fail('TOO_LARGE', 'decodeGroupOperation: too many members');
      body = { type, name, members: Array.from({ length: count }, member) };
      break;
    }
    case 'add':
      body = { type, member: member() };
      break;
    case 'remove':
    case 'promote':
      body = { type, accountId: reader.string(LIMITS.maxAccountIdBytes) };
      break;
    case 'rename':
      body = { type, name: reader.string(LIMITS.maxGroupNameBytes) };
      break;
    case 'leave':
      body = { type };
      break;
    case 'link': {
      const hasKey = reader.u8();
      if (hasKey > 1) fail('MALFORMED', 'decodeGroupOperation: a flag must be 0 or 1');
      const inviteKey =
        hasKey === 1 ? (reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey) : null;
      body = { type, inviteKey };
      break;
    }
  }
  const signature = reader.fixed(SIZES.signature);
  reader.end();
  return { groupId, epoch, previousHash, signer, body, signature };
}

/** Checks the operation's signature against the key the verifier already trusts for its signer. */
export function verifyGroupOperationSignature(
  p: Primitives,
  bytes: Uint8Array,
  signerKey: Ed25519PublicKey,
): boolean {
  const unsigned = bytes.subarray(0, bytes.length - SIZES.signature);
  return p.verify(
    signerKey,
    concatBytes(LABEL.groupOperation, unsigned),
    bytes.subarray(bytes.length - SIZES.signature),
  );
}

export function groupOperationHash(p: Primitives, bytes: Uint8Array): Uint8Array {
  return p.blake2b(concatBytes(LABEL.groupStateHash, bytes), 32);
}
