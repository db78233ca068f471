// The session-start prefix the initiator puts in front of its ratchet messages until the responder
// answers (Signal's "PreKeySignalMessage").
//
// Layout (version 1):
//   u8 version | 32 initiator.accountKey | 32 initiator.identityKey | 32 ephemeralKey (base key)
//   | u32 signedPrekeyId | u32 pqPrekeyId | u8 hasOneTime [| u32 oneTimePrekeyId]
//   | 1088 kemCiphertext | ratchet message (rest)

import { VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes } from '../encoding/bytes';
import { fail } from '../errors';
import { SIZES } from '../primitives/sizes';
import type { Ed25519PublicKey, X25519PublicKey } from '../types';
import type { SessionIdentity } from './ratchet-state';

export interface SessionStartPrefix {
  readonly initiator: SessionIdentity;
  readonly ephemeralKey: X25519PublicKey;
  readonly signedPrekeyId: number;
  readonly pqPrekeyId: number;
  readonly oneTimePrekeyId: number | null;
  readonly kemCiphertext: Uint8Array;
}

export interface SessionStart extends SessionStartPrefix {
  readonly message: Uint8Array;
}

export function encodeSessionStartPrefix(start: SessionStartPrefix): Uint8Array {
  const writer = new ByteWriter(1250)
    .u8(VERSION.sessionStart)
    .fixed(start.initiator.accountKey, SIZES.ed25519PublicKey)
    .fixed(start.initiator.identityKey, SIZES.x25519PublicKey)
    .fixed(start.ephemeralKey, SIZES.x25519PublicKey)
    .u32(start.signedPrekeyId)
    .u32(start.pqPrekeyId)
    .u8(start.oneTimePrekeyId === null ? 0 : 1);
  if (start.oneTimePrekeyId !== null) writer.u32(start.oneTimePrekeyId);
  return writer.fixed(start.kemCiphertext, SIZES.mlkemCiphertext).finish();
}

export function encodeSessionStart(prefix: Uint8Array, message: Uint8Array): Uint8Array {
  return concatBytes(prefix, message);
}

export function decodeSessionStart(bytes: Uint8Array): SessionStart {
  const reader = new ByteReader(bytes, 'decodeSessionStart');
  reader.version(VERSION.sessionStart);
  const initiator = {
    accountKey: reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey,
    identityKey: reader.fixed(SIZES.x25519PublicKey) as X25519PublicKey,
  };
  const ephemeralKey = reader.fixed(SIZES.x25519PublicKey) as X25519PublicKey;
  const signedPrekeyId = reader.u32();
  const pqPrekeyId = reader.u32();
  const flag = reader.u8();
  if (flag > 1) fail('MALFORMED', 'decodeSessionStart: one-time flag must be 0 or 1');
  const oneTimePrekeyId = flag === 1 ? reader.u32() : null;
  const kemCiphertext = reader.fixed(SIZES.mlkemCiphertext);
  const message = reader.rest();
  return {
    initiator,
    ephemeralKey,
    signedPrekeyId,
    pqPrekeyId,
    oneTimePrekeyId,
    kemCiphertext,
    message,
  };
}
