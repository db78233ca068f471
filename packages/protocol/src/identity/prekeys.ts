// Prekeys: what a device publishes so others can start a session while it is offline.
//
//   SignedPrekey (X25519, rotated weekly):  u8 version | u32 id | 32 publicKey | 64 signature
//     signature = Ed25519(device signing key, LABEL.signedPrekey || u32 id || publicKey)
//   PqPrekey (ML-KEM-768, one-time or last-resort):
//     u8 version | u32 id | u8 lastResort (0/1) | 1184 publicKey | 64 signature
//     signature = Ed25519(device signing key, LABEL.pqPrekey || u32 id || u8 lastResort || publicKey)
//   OneTimePrekey (X25519, unsigned as in Signal): u32 id | 32 publicKey
//
// Secret halves never leave the device; they are kept (vault-encrypted) by id.

import { LABEL, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import type {
  Ed25519PublicKey,
  MlKemKeyPair,
  MlKemPublicKey,
  Signature,
  X25519KeyPair,
  X25519PublicKey,
} from '../types';
import type { DeviceKeys } from './device-keys';

export const PREKEY_POLICY = {
  /** One-time prekeys (of each kind) a device keeps published. */
  target: 100,
  /** Below this many remaining, the device uploads a refill. */
  refillBelow: 20,
  /** Signed prekey lifetime before rotation, in milliseconds (one week). */
  signedPrekeyLifetimeMs: 7 * 24 * 60 * 60 * 1000,
} as const;

export interface SignedPrekey {
  readonly id: number;
  readonly publicKey: X25519PublicKey;
  readonly signature: Signature;
}

export interface PqPrekey {
  readonly id: number;
  readonly lastResort: boolean;
  readonly publicKey: MlKemPublicKey;
  readonly signature: Signature;
}

export interface OneTimePrekey {
  readonly id: number;
  readonly publicKey: X25519PublicKey;
}

export interface PrekeySecret<Pair> {
  readonly id: number;
  readonly keyPair: Pair;
}

function assertPrekeyId(id: number, context: string): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff)
    fail('INVALID_ARGUMENT', `${context}: id must be a u32`);
}

function signedPrekeyMessage(id: number, publicKey: Uint8Array): Uint8Array {
  return new ByteWriter(80)
    .rest(LABEL.signedPrekey)
    .u32(id)
    .fixed(publicKey, SIZES.x25519PublicKey)
    .finish();
}

function pqPrekeyMessage(id: number, lastResort: boolean, publicKey: Uint8Array): Uint8Array {
  return new ByteWriter(1240)
    .rest(LABEL.pqPrekey)
    .u32(id)
    .u8(lastResort ? 1 : 0)
    .fixed(publicKey, SIZES.mlkemPublicKey)
    .finish();
}

export function generateSignedPrekey(
  p: Primitives,
  options: { device: DeviceKeys; id: number },
): { prekey: SignedPrekey; secret: PrekeySecret<X25519KeyPair> } {
  assertPrekeyId(options.id, 'generateSignedPrekey');
  const keyPair = p.x25519KeyPair();
  const signature = p.sign(
    options.device.signing.secretKey,
    signedPrekeyMessage(options.id, keyPair.publicKey),
  );
  return {
    prekey: { id: options.id, publicKey: keyPair.publicKey, signature },
    secret: { id: options.id, keyPair },
  };
}

export function generateOneTimePrekeys(
  p: Primitives,
  options: { firstId: number; count: number },
): { prekeys: OneTimePrekey[]; secrets: PrekeySecret<X25519KeyPair>[] } {
  const prekeys: OneTimePrekey[] = [];
  const secrets: PrekeySecret<X25519KeyPair>[] = [];
  for (let i = 0; i < options.count; i++) {
    const id = options.firstId + i;
    assertPrekeyId(id, 'generateOneTimePrekeys');
    const keyPair = p.x25519KeyPair();
    prekeys.push({ id, publicKey: keyPair.publicKey });
    secrets.push({ id, keyPair });
  }
  return { prekeys, secrets };
}

export function generatePqPrekeys(
  p: Primitives,
  options: { device: DeviceKeys; firstId: number; count: number; lastResort: boolean },
): { prekeys: PqPrekey[]; secrets: PrekeySecret<MlKemKeyPair>[] } {
  const prekeys: PqPrekey[] = [];
  const secrets: PrekeySecret<MlKemKeyPair>[] = [];
  for (let i = 0; i < options.count; i++) {
    const id = options.firstId + i;
    assertPrekeyId(id, 'generatePqPrekeys');
    const keyPair = p.mlkemKeyPair();
    const message = pqPrekeyMessage(id, options.lastResort, keyPair.publicKey);
    const signature = p.sign(options.device.signing.secretKey, message);
    prekeys.push({ id, lastResort: options.lastResort, publicKey: keyPair.publicKey, signature });
    secrets.push({ id, keyPair });
  }
  return { prekeys, secrets };
}

/** How many one-time prekeys to generate now, given how many the relay says remain. */
export function prekeysToRefill(remaining: number): number {
  return remaining < PREKEY_POLICY.refillBelow ? PREKEY_POLICY.target - Math.max(0, remaining) : 0;
}

/** True when the signed prekey is older than its lifetime and should be replaced. */
export function signedPrekeyNeedsRotation(createdAt: number, now: number): boolean {
  return now - createdAt >= PREKEY_POLICY.signedPrekeyLifetimeMs;
}

export function verifySignedPrekey(
  p: Primitives,
  signingKey: Ed25519PublicKey,
  prekey: SignedPrekey,
): boolean {
  return p.verify(signingKey, signedPrekeyMessage(prekey.id, prekey.publicKey), prekey.signature);
}

export function verifyPqPrekey(
  p: Primitives,
  signingKey: Ed25519PublicKey,
  prekey: PqPrekey,
): boolean {
  return p.verify(
    signingKey,
    pqPrekeyMessage(prekey.id, prekey.lastResort, prekey.publicKey),
    prekey.signature,
  );
}

// --- encodings ----------------------------------------------------------------------------------

export function encodeSignedPrekey(prekey: SignedPrekey): Uint8Array {
  return new ByteWriter(101)
    .u8(VERSION.signedPrekey)
    .u32(prekey.id)
    .fixed(prekey.publicKey, SIZES.x25519PublicKey)
    .fixed(prekey.signature, SIZES.signature)
    .finish();
}

export function readSignedPrekey(reader: ByteReader): SignedPrekey {
  reader.version(VERSION.signedPrekey);
  return {
    id: reader.u32(),
    publicKey: reader.fixed(SIZES.x25519PublicKey) as X25519PublicKey,
    signature: reader.fixed(SIZES.signature) as Signature,
  };
}

export function encodePqPrekey(prekey: PqPrekey): Uint8Array {
  return new ByteWriter(1254)
    .u8(VERSION.signedPrekey)
    .u32(prekey.id)
    .u8(prekey.lastResort ? 1 : 0)
    .fixed(prekey.publicKey, SIZES.mlkemPublicKey)
    .fixed(prekey.signature, SIZES.signature)
    .finish();
}

export function readPqPrekey(reader: ByteReader): PqPrekey {
  reader.version(VERSION.signedPrekey);
  const id = reader.u32();
  const flag = reader.u8();
  if (flag > 1) fail('MALFORMED', 'readPqPrekey: lastResort flag must be 0 or 1');
  return {
    id,
    lastResort: flag === 1,
    publicKey: reader.fixed(SIZES.mlkemPublicKey) as MlKemPublicKey,
    signature: reader.fixed(SIZES.signature) as Signature,
  };
}

export function encodeOneTimePrekey(prekey: OneTimePrekey): Uint8Array {
  return new ByteWriter(36).u32(prekey.id).fixed(prekey.publicKey, SIZES.x25519PublicKey).finish();
}

export function readOneTimePrekey(reader: ByteReader): OneTimePrekey {
  return { id: reader.u32(), publicKey: reader.fixed(SIZES.x25519PublicKey) as X25519PublicKey };
}

export function decodeWith<T>(
  bytes: Uint8Array,
  context: string,
  read: (reader: ByteReader) => T,
): T {
  const reader = new ByteReader(bytes, context);
  const value = read(reader);
  reader.end();
  return value;
}
