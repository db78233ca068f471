// Linking a new browser from a device that is already signed in, without the secret ever being
// readable by the relay. The new browser makes an ephemeral X25519 key and a random channel id and
// shows both as a QR code (or as the same bytes in base64url, to paste). The existing device scans
// it, answers with its own ephemeral key through the relay's rendezvous mailbox, and both derive
// one channel key and a six-digit verification code from the two ephemeral keys. The new browser
// proves it holds the channel key (a `ready` message) before the existing device sends anything
// secret, so a relay that swapped a key is refused by the existing device (it cannot forge `ready`)
// and shown as a different code on the new one (docs/protocol.md, "Linking a device").
//
// Offer (version 1):   u8 version | 16 channel id | 32 X25519 public key (the new browser's)
// Message (version 1): u8 version | u8 kind | body
//   hello   (kind 1, existing -> new): 32 X25519 public key (the existing device's), in clear
//   ready   (kind 2, new -> existing): 24 nonce | AEAD(key, nonce, "", AD)
//   payload (kind 3, existing -> new): 24 nonce | AEAD(key, nonce, payload, AD)
//   AD = LABEL.deviceLinkMessage || u8 version || u8 kind || channel id
// keys = HKDF-SHA256(ikm = X25519(own, peer), salt = channel id,
//                    info = LABEL.deviceLinkKeys || new public || existing public, 64 bytes)
//   key = keys[0..32]; code = (big-endian u32 of keys[32..36]) mod 10^6, six digits
// Payload (version 1): u8 version | u32 len + account secret (account-backup.ts) | u16 len + token

import { LABEL, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import type { X25519KeyPair, X25519PublicKey } from '../types';
import type { AccountIdentity } from './account-identity';
import { decodeAccountSecret, encodeAccountSecret } from './account-backup';

export const DEVICE_LINK_CHANNEL_BYTES = 16;
const KEYS_BYTES = 64;
const CODE_MODULUS = 1_000_000;
/** A relay enrolment token is 43 base64url characters; anything much longer is not one. */
const MAX_TOKEN_BYTES = 256;
const MAX_SECRET_BYTES = 256;

export const DEVICE_LINK_KIND = { hello: 1, ready: 2, payload: 3 } as const;
export type DeviceLinkKind = keyof typeof DEVICE_LINK_KIND;

/** What the new browser shows: where to meet, and the key to encrypt to. */
export interface DeviceLinkOffer {
  readonly channelId: Uint8Array;
  readonly publicKey: X25519PublicKey;
}

/** Both sides' view of one channel, once the two ephemeral public keys are known. */
export interface DeviceLinkChannel {
  readonly channelId: Uint8Array;
  readonly key: Uint8Array;
  /** Six digits the user compares on both screens. */
  readonly code: string;
}

/** What the existing device hands the new one: the account, and the relay's one-time enrolment. */
export interface DeviceLinkPayload {
  readonly account: AccountIdentity;
  readonly enrolmentToken: string;
}

export function createDeviceLinkOffer(p: Primitives): {
  offer: DeviceLinkOffer;
  keyPair: X25519KeyPair;
} {
  const keyPair = p.x25519KeyPair();
  return {
    offer: { channelId: p.randomBytes(DEVICE_LINK_CHANNEL_BYTES), publicKey: keyPair.publicKey },
    keyPair,
  };
}

export function encodeDeviceLinkOffer(offer: DeviceLinkOffer): Uint8Array {
  return new ByteWriter(64)
    .u8(VERSION.deviceLinkOffer)
    .fixed(offer.channelId, DEVICE_LINK_CHANNEL_BYTES)
    .fixed(offer.publicKey, SIZES.x25519PublicKey)
    .finish();
}

export function decodeDeviceLinkOffer(bytes: Uint8Array): DeviceLinkOffer {
  const reader = new ByteReader(bytes, 'decodeDeviceLinkOffer');
  reader.version(VERSION.deviceLinkOffer);
  const channelId = reader.fixed(DEVICE_LINK_CHANNEL_BYTES);
  const publicKey = reader.fixed(SIZES.x25519PublicKey) as X25519PublicKey;
  reader.end();
  return { channelId, publicKey };
}

/**
 * The channel key and code, from this side's ephemeral key pair and the other side's public key.
 * `newPublicKey` is always the offer's key, so both sides hash the keys in the same order.
 */
export function deviceLinkChannel(
  p: Primitives,
  options: {
    offer: DeviceLinkOffer;
    own: X25519KeyPair;
    peerPublicKey: X25519PublicKey;
    role: 'new' | 'existing';
  },
): DeviceLinkChannel {
  const { offer, own, peerPublicKey, role } = options;
  const existingPublic = role === 'new' ? peerPublicKey : own.publicKey;
  const shared = p.x25519(own.secretKey, peerPublicKey);
  const keys = p.hkdf({
    ikm: shared,
    salt: offer.channelId,
    info: concatBytes(LABEL.deviceLinkKeys, offer.publicKey, existingPublic),
    length: KEYS_BYTES,
  });
  p.wipe(shared);
  const view = new DataView(keys.buffer, keys.byteOffset + SIZES.aeadKey, 4);
  const code = String(view.getUint32(0) % CODE_MODULUS).padStart(6, '0');
  const key = keys.slice(0, SIZES.aeadKey);
  p.wipe(keys);
  return { channelId: offer.channelId, key, code };
}

function messageAd(kind: DeviceLinkKind, channelId: Uint8Array): Uint8Array {
  return concatBytes(
    LABEL.deviceLinkMessage,
    Uint8Array.of(VERSION.deviceLinkMessage, DEVICE_LINK_KIND[kind]),
    channelId,
  );
}

export function encodeDeviceLinkHello(publicKey: X25519PublicKey): Uint8Array {
  return new ByteWriter(40)
    .u8(VERSION.deviceLinkMessage)
    .u8(DEVICE_LINK_KIND.hello)
    .fixed(publicKey, SIZES.x25519PublicKey)
    .finish();
}

export function decodeDeviceLinkHello(bytes: Uint8Array): X25519PublicKey {
  const reader = new ByteReader(bytes, 'decodeDeviceLinkHello');
  reader.version(VERSION.deviceLinkMessage);
  if (reader.u8() !== DEVICE_LINK_KIND.hello) fail('MALFORMED', 'decodeDeviceLinkHello: not hello');
  const publicKey = reader.fixed(SIZES.x25519PublicKey) as X25519PublicKey;
  reader.end();
  return publicKey;
}

function seal(
  p: Primitives,
  channel: DeviceLinkChannel,
  kind: DeviceLinkKind,
  plaintext: Uint8Array,
): Uint8Array {
  const nonce = p.randomBytes(SIZES.xchachaNonce);
  const ciphertext = p.xchachaEncrypt(
    channel.key,
    nonce,
    plaintext,
    messageAd(kind, channel.channelId),
  );
  return new ByteWriter(ciphertext.length + 32)
    .u8(VERSION.deviceLinkMessage)
    .u8(DEVICE_LINK_KIND[kind])
    .fixed(nonce, SIZES.xchachaNonce)
    .rest(ciphertext)
    .finish();
}

/** Throws MALFORMED for another kind, DECRYPT_FAILED when the channel key is not the sender's. */
function open(
  p: Primitives,
  channel: DeviceLinkChannel,
  kind: DeviceLinkKind,
  bytes: Uint8Array,
): Uint8Array {
  const reader = new ByteReader(bytes, 'openDeviceLinkMessage');
  reader.version(VERSION.deviceLinkMessage);
  if (reader.u8() !== DEVICE_LINK_KIND[kind]) {
    fail('MALFORMED', `openDeviceLinkMessage: not a ${kind} message`);
  }
  const nonce = reader.fixed(SIZES.xchachaNonce);
  const ciphertext = reader.rest();
  return p.xchachaDecrypt(channel.key, nonce, ciphertext, messageAd(kind, channel.channelId));
}

export function sealDeviceLinkReady(p: Primitives, channel: DeviceLinkChannel): Uint8Array {
  return seal(p, channel, 'ready', new Uint8Array(0));
}

export function openDeviceLinkReady(
  p: Primitives,
  channel: DeviceLinkChannel,
  bytes: Uint8Array,
): void {
  open(p, channel, 'ready', bytes);
}

export function sealDeviceLinkPayload(
  p: Primitives,
  channel: DeviceLinkChannel,
  payload: DeviceLinkPayload,
): Uint8Array {
  const secret = encodeAccountSecret(payload.account);
  const plaintext = new ByteWriter(256)
    .u8(VERSION.deviceLinkPayload)
    .bytes(secret)
    .string(payload.enrolmentToken)
    .finish();
  p.wipe(secret);
  try {
    return seal(p, channel, 'payload', plaintext);
  } finally {
    p.wipe(plaintext);
  }
}

export function openDeviceLinkPayload(
  p: Primitives,
  channel: DeviceLinkChannel,
  bytes: Uint8Array,
): DeviceLinkPayload {
  const plaintext = open(p, channel, 'payload', bytes);
  try {
    const reader = new ByteReader(plaintext, 'openDeviceLinkPayload');
    reader.version(VERSION.deviceLinkPayload);
    const secret = reader.bytes(MAX_SECRET_BYTES);
    const enrolmentToken = reader.string(MAX_TOKEN_BYTES);
    reader.end();
    const account = decodeAccountSecret(p, secret);
    p.wipe(secret);
    return { account, enrolmentToken };
  } finally {
    p.wipe(plaintext);
  }
}
