// Storage encoding of GroupState (vault-encrypted by the client).
//
// Layout (version 2):
//   u8 version | 16 groupId | u16 len + name | u16 n | n × (u16 len + accountId | 32 accountKey)
//   | u16 m | m × (u16 len + accountId) | u64 epoch | u64 keyEpoch | 32 lastOperationHash
//   | u8 hasInviteKey [| 32 inviteKey]
// Version 1 (before invite links) is the same without the last field, and still reads (no link),
// so groups stored by an earlier client survive the upgrade.

import { LIMITS, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { fail } from '../errors';
import { SIZES } from '../primitives/sizes';
import type { Ed25519PublicKey } from '../types';
import type { GroupState } from './group-state';
import { GROUP_ID_BYTES } from './group-types';

export function encodeGroupState(state: GroupState): Uint8Array {
  const writer = new ByteWriter(128 + state.members.length * 100)
    .u8(VERSION.groupState)
    .fixed(state.groupId, GROUP_ID_BYTES)
    .string(state.name)
    .u16(state.members.length);
  for (const member of state.members)
    writer.string(member.accountId).fixed(member.accountKey, SIZES.ed25519PublicKey);
  writer.u16(state.admins.length);
  for (const admin of state.admins) writer.string(admin);
  writer.u64(state.epoch).u64(state.keyEpoch).fixed(state.lastOperationHash, 32);
  if (state.inviteKey === null) writer.u8(0);
  else writer.u8(1).fixed(state.inviteKey, SIZES.ed25519PublicKey);
  return writer.finish();
}

export function decodeGroupState(bytes: Uint8Array): GroupState {
  const reader = new ByteReader(bytes, 'decodeGroupState');
  const version = reader.u8();
  if (version !== 1 && version !== VERSION.groupState)
    fail('UNKNOWN_VERSION', `decodeGroupState: unknown version ${version}`);
  const groupId = reader.fixed(GROUP_ID_BYTES);
  const name = reader.string(LIMITS.maxGroupNameBytes);
  const count = reader.u16();
  if (count > LIMITS.maxGroupMembers) fail('TOO_LARGE', 'decodeGroupState: too many members');
  const members = Array.from({ length: count }, () => ({
    accountId: reader.string(LIMITS.maxAccountIdBytes),
    accountKey: reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey,
  }));
  const adminCount = reader.u16();
  if (adminCount > count) fail('MALFORMED', 'decodeGroupState: more admins than members');
  const admins = Array.from({ length: adminCount }, () => reader.string(LIMITS.maxAccountIdBytes));
  const state = {
    groupId,
    name,
    members,
    admins,
    epoch: reader.u64(),
    keyEpoch: reader.u64(),
    lastOperationHash: reader.fixed(32),
    inviteKey: version === 1 ? null : readInviteKey(reader),
  };
  reader.end();
  return state;
}

function readInviteKey(reader: ByteReader): Ed25519PublicKey | null {
  const hasKey = reader.u8();
  if (hasKey > 1) fail('MALFORMED', 'decodeGroupState: a flag must be 0 or 1');
  return hasKey === 1 ? (reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey) : null;
}
