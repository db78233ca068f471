// The Double Ratchet session state and its storage encoding. The state is an immutable value:
// every transition builds a new one, so a caller that only commits on success can never be left
// with a half-updated session.
//
// Layout (version 1), all keys raw bytes:
//   u8 version | 32 local.accountKey | 32 local.identityKey | 32 remote.accountKey | 32 remote.identityKey
//   | 32 rootKey | 32 sendingRatchet.secret | 32 sendingRatchet.public
//   | u8 hasRemoteRatchet [| 32 remoteRatchetKey]
//   | u8 hasSending [| 32 chainKey | u32 index] | u8 hasReceiving [| 32 chainKey | u32 index]
//   | u32 previousSendingLength | 32 baseKey
//   | u8 pastOwnCount | pastOwnCount × 32 | u8 pastRemoteCount | pastRemoteCount × 32
//   | u16 skippedCount | skippedCount × (32 ratchetKey | u32 index | 32 messageKey)   (oldest first)
//   | u32 len + pending session-start prefix (0 = none)

import { VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { toHex } from '../encoding/bytes';
import { fail } from '../errors';
import { SIZES } from '../primitives/sizes';
import type { Ed25519PublicKey, X25519KeyPair, X25519PublicKey, X25519SecretKey } from '../types';

/** One side of a session: its account key and device identity key (bound into every message's AD). */
export interface SessionIdentity {
  readonly accountKey: Ed25519PublicKey;
  readonly identityKey: X25519PublicKey;
}

export interface ChainState {
  readonly chainKey: Uint8Array;
  readonly index: number;
}

export interface SkippedKey {
  readonly ratchetKey: Uint8Array;
  readonly index: number;
  readonly messageKey: Uint8Array;
}

export interface RatchetState {
  readonly local: SessionIdentity;
  readonly remote: SessionIdentity;
  readonly rootKey: Uint8Array;
  readonly sendingRatchet: X25519KeyPair;
  readonly remoteRatchetKey: X25519PublicKey | null;
  readonly sending: ChainState | null;
  readonly receiving: ChainState | null;
  readonly previousSendingLength: number;
  /** The initiator's PQXDH ephemeral key: names the session start this state came from. */
  readonly baseKey: X25519PublicKey;
  /** Our recent ratchet public keys, to recognise our own messages reflected back at us. */
  readonly pastOwnRatchetKeys: readonly Uint8Array[];
  /** The peer's recent ratchet keys, to recognise a replay from an older chain. */
  readonly pastRemoteRatchetKeys: readonly Uint8Array[];
  /** Skipped message keys by skippedKeyId(), in insertion order (oldest first). */
  readonly skipped: ReadonlyMap<string, SkippedKey>;
  /**
   * Initiator only, until the first reply arrives: the encoded session-start prefix that must be
   * sent in front of every message so the responder can build the session from any of them.
   */
  readonly pendingStart: Uint8Array | null;
}

/** How many past ratchet keys (each side) a state remembers for reflection and replay detection. */
export const PAST_RATCHET_KEYS = 16;

export function skippedKeyId(ratchetKey: Uint8Array, index: number): string {
  return `${toHex(ratchetKey)}:${index}`;
}

function writeChain(writer: ByteWriter, chain: ChainState | null): void {
  if (chain === null) {
    writer.u8(0);
    return;
  }
  writer.u8(1).fixed(chain.chainKey, 32).u32(chain.index);
}

function readFlag(reader: ByteReader): boolean {
  const flag = reader.u8();
  if (flag > 1) fail('MALFORMED', 'decodeRatchetState: flag must be 0 or 1');
  return flag === 1;
}

function readChain(reader: ByteReader): ChainState | null {
  return readFlag(reader) ? { chainKey: reader.fixed(32), index: reader.u32() } : null;
}

export function encodeRatchetState(state: RatchetState): Uint8Array {
  const writer = new ByteWriter(512 + state.skipped.size * 68)
    .u8(VERSION.ratchetState)
    .fixed(state.local.accountKey, SIZES.ed25519PublicKey)
    .fixed(state.local.identityKey, SIZES.x25519PublicKey)
    .fixed(state.remote.accountKey, SIZES.ed25519PublicKey)
    .fixed(state.remote.identityKey, SIZES.x25519PublicKey)
    .fixed(state.rootKey, 32)
    .fixed(state.sendingRatchet.secretKey, SIZES.x25519SecretKey)
    .fixed(state.sendingRatchet.publicKey, SIZES.x25519PublicKey);
  if (state.remoteRatchetKey === null) writer.u8(0);
  else writer.u8(1).fixed(state.remoteRatchetKey, SIZES.x25519PublicKey);
  writeChain(writer, state.sending);
  writeChain(writer, state.receiving);
  writer.u32(state.previousSendingLength).fixed(state.baseKey, SIZES.x25519PublicKey);
  writer.u8(state.pastOwnRatchetKeys.length);
  for (const key of state.pastOwnRatchetKeys) writer.fixed(key, 32);
  writer.u8(state.pastRemoteRatchetKeys.length);
  for (const key of state.pastRemoteRatchetKeys) writer.fixed(key, 32);
  writer.u16(state.skipped.size);
  for (const entry of state.skipped.values()) {
    writer.fixed(entry.ratchetKey, 32).u32(entry.index).fixed(entry.messageKey, 32);
  }
  writer.bytes(state.pendingStart ?? new Uint8Array(0));
  return writer.finish();
}

export function decodeRatchetState(bytes: Uint8Array): RatchetState {
  const reader = new ByteReader(bytes, 'decodeRatchetState');
  reader.version(VERSION.ratchetState);
  const local = {
    accountKey: reader.fixed(32) as Ed25519PublicKey,
    identityKey: reader.fixed(32) as X25519PublicKey,
  };
  const remote = {
    accountKey: reader.fixed(32) as Ed25519PublicKey,
    identityKey: reader.fixed(32) as X25519PublicKey,
  };
  const rootKey = reader.fixed(32);
  const sendingRatchet = {
    secretKey: reader.fixed(32) as X25519SecretKey,
    publicKey: reader.fixed(32) as X25519PublicKey,
  };
  const remoteRatchetKey = readFlag(reader) ? (reader.fixed(32) as X25519PublicKey) : null;
  const sending = readChain(reader);
  const receiving = readChain(reader);
  const previousSendingLength = reader.u32();
  const baseKey = reader.fixed(32) as X25519PublicKey;
  const readKeys = (): Uint8Array[] => {
    const count = reader.u8();
    if (count > PAST_RATCHET_KEYS)
      fail('MALFORMED', 'decodeRatchetState: too many past ratchet keys');
    return Array.from({ length: count }, () => reader.fixed(32));
  };
  const pastOwnRatchetKeys = readKeys();
  const pastRemoteRatchetKeys = readKeys();
  const skippedCount = reader.u16();
  const skipped = new Map<string, SkippedKey>();
  for (let i = 0; i < skippedCount; i++) {
    const entry = {
      ratchetKey: reader.fixed(32),
      index: reader.u32(),
      messageKey: reader.fixed(32),
    };
    skipped.set(skippedKeyId(entry.ratchetKey, entry.index), entry);
  }
  const pending = reader.bytes(8192);
  reader.end();
  return {
    local,
    remote,
    rootKey,
    sendingRatchet,
    remoteRatchetKey,
    sending,
    receiving,
    previousSendingLength,
    baseKey,
    pastOwnRatchetKeys,
    pastRemoteRatchetKeys,
    skipped,
    pendingStart: pending.length === 0 ? null : pending,
  };
}
