// Encodings of sender keys: the distribution message a member device sends each other member over
// their pairwise sessions, and the stored state (vault-encrypted by the client).
//
// SenderKeyDistribution (version 1):
//   u8 version | 16 groupId | u64 epoch | u16 len + accountId | u32 deviceId | u32 chainId
//   | u32 iteration | 32 chainKey | 32 signingKey
// SenderKeyState (version 1): the distribution's fields after the version byte, then
//   | u8 hasSecret [| 64 signingSecret] | u16 n | n × (u32 iteration | 32 messageKey)   (oldest first)

import { LIMITS, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { fail } from '../errors';
import { SIZES } from '../primitives/sizes';
import type { Ed25519PublicKey, Ed25519SecretKey } from '../types';
import { GROUP_ID_BYTES } from './group-types';
import type { SenderKeyState } from './sender-key';

function writeCommon(writer: ByteWriter, state: SenderKeyState): ByteWriter {
  return writer
    .fixed(state.groupId, GROUP_ID_BYTES)
    .u64(state.epoch)
    .string(state.sender.accountId)
    .u32(state.sender.deviceId)
    .u32(state.chainId)
    .u32(state.iteration)
    .fixed(state.chainKey, 32)
    .fixed(state.signingKey, SIZES.ed25519PublicKey);
}

function readCommon(reader: ByteReader): Omit<SenderKeyState, 'signingSecret' | 'skipped'> {
  return {
    groupId: reader.fixed(GROUP_ID_BYTES),
    epoch: reader.u64(),
    sender: { accountId: reader.string(LIMITS.maxAccountIdBytes), deviceId: reader.u32() },
    chainId: reader.u32(),
    iteration: reader.u32(),
    chainKey: reader.fixed(32),
    signingKey: reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey,
  };
}

/** The distribution of our own chain as it stands now: recipients can decrypt from here on. */
export function encodeSenderKeyDistribution(state: SenderKeyState): Uint8Array {
  return writeCommon(new ByteWriter(160).u8(VERSION.senderKeyDistribution), state).finish();
}

/** A receiving state built from a distribution (no signing secret, nothing skipped). */
export function acceptSenderKeyDistribution(bytes: Uint8Array): SenderKeyState {
  const reader = new ByteReader(bytes, 'acceptSenderKeyDistribution');
  reader.version(VERSION.senderKeyDistribution);
  const common = readCommon(reader);
  reader.end();
  return { ...common, signingSecret: null, skipped: new Map() };
}

export function encodeSenderKeyState(state: SenderKeyState): Uint8Array {
  const writer = writeCommon(
    new ByteWriter(256 + state.skipped.size * 36).u8(VERSION.senderKeyState),
    state,
  );
  if (state.signingSecret === null) writer.u8(0);
  else writer.u8(1).fixed(state.signingSecret, SIZES.ed25519SecretKey);
  writer.u16(state.skipped.size);
  for (const [iteration, key] of state.skipped) writer.u32(iteration).fixed(key, 32);
  return writer.finish();
}

export function decodeSenderKeyState(bytes: Uint8Array): SenderKeyState {
  const reader = new ByteReader(bytes, 'decodeSenderKeyState');
  reader.version(VERSION.senderKeyState);
  const common = readCommon(reader);
  const flag = reader.u8();
  if (flag > 1) fail('MALFORMED', 'decodeSenderKeyState: flag must be 0 or 1');
  const signingSecret =
    flag === 1 ? (reader.fixed(SIZES.ed25519SecretKey) as Ed25519SecretKey) : null;
  const count = reader.u16();
  if (count > LIMITS.maxStoredSkippedKeys)
    fail('MALFORMED', 'decodeSenderKeyState: too many skipped keys');
  const skipped = new Map<number, Uint8Array>();
  for (let i = 0; i < count; i++) skipped.set(reader.u32(), reader.fixed(32));
  reader.end();
  return { ...common, signingSecret, skipped };
}
