// The sender-key message on the wire.
//
// Layout (version 1):
//   u8 version | 16 groupId | u64 epoch | u16 len + accountId | u32 deviceId | u32 chainId
//   | u32 iteration | u32 len + ciphertext | 64 signature
// header = every byte before the ciphertext's length prefix (the AEAD's associated data);
// signature = Ed25519(sender-key signing key, LABEL.senderKeySignature || every byte before it).

import { LIMITS, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { SIZES } from '../primitives/sizes';
import { GROUP_ID_BYTES, type GroupSender } from './group-types';

export interface GroupMessageHeader {
  readonly groupId: Uint8Array;
  readonly epoch: number;
  readonly sender: GroupSender;
  readonly chainId: number;
  readonly iteration: number;
}

export interface GroupMessage {
  readonly header: GroupMessageHeader;
  readonly headerBytes: Uint8Array;
  readonly ciphertext: Uint8Array;
  /** Every byte the signature covers (after the label). */
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

export function encodeGroupMessageHeader(header: GroupMessageHeader): Uint8Array {
  return new ByteWriter(96)
    .u8(VERSION.groupMessage)
    .fixed(header.groupId, GROUP_ID_BYTES)
    .u64(header.epoch)
    .string(header.sender.accountId)
    .u32(header.sender.deviceId)
    .u32(header.chainId)
    .u32(header.iteration)
    .finish();
}

export function decodeGroupMessage(bytes: Uint8Array): GroupMessage {
  const reader = new ByteReader(bytes, 'decodeGroupMessage');
  reader.version(VERSION.groupMessage);
  const header = {
    groupId: reader.fixed(GROUP_ID_BYTES),
    epoch: reader.u64(),
    sender: { accountId: reader.string(LIMITS.maxAccountIdBytes), deviceId: reader.u32() },
    chainId: reader.u32(),
    iteration: reader.u32(),
  };
  const headerLength = bytes.length - reader.remaining;
  const ciphertext = reader.bytes(LIMITS.maxMessageBytes + SIZES.aeadTag);
  const signedLength = bytes.length - reader.remaining;
  const signature = reader.fixed(SIZES.signature);
  reader.end();
  return {
    header,
    headerBytes: bytes.subarray(0, headerLength),
    ciphertext,
    signed: bytes.subarray(0, signedLength),
    signature,
  };
}
