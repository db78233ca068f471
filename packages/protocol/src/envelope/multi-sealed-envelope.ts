// Multi-recipient sealing for group fan-out: the payload is encrypted once under a random body key,
// and only that key is sealed to each recipient device, so the sender uploads one body and the
// relay stores one blob plus one small key record per delivery (DESIGN.md §4, §6).
//
//   bodyKey = 32 random bytes; (k, n) = HKDF-Expand(bodyKey, LABEL.multiSealedBody, 56)
//   e = one fresh X25519 key pair per message
//   body   = u8 version | 32 e.pub | XChaCha20-Poly1305(k, n, pad(payload), AD = version)
//   digest = BLAKE2b-256(body)
//   for each recipient device key R:
//     (key, nonce) = HKDF-SHA256(ikm = X25519(e, R), salt = e.pub || R, info = LABEL.multiSealedKey, 56)
//     keyRecord    = XChaCha20-Poly1305(key, nonce, bodyKey, AD = version || e.pub || R || digest)  (48 bytes)
// A key record only opens with the body it was made for (the digest is in its AD).

import { LABEL, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { concatBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import type { X25519KeyPair, X25519PublicKey } from '../types';
import {
  decodeEnvelopePayload,
  encodeEnvelopePayload,
  type EnvelopePayload,
} from './envelope-payload';
import { bucketFor, MAX_ENVELOPE_SIZE, pad, unpad } from './padding';
import { deriveSealKeys } from './sealed-envelope';

export const MULTI_SEALED_OVERHEAD = 1 + SIZES.x25519PublicKey + SIZES.aeadTag;
export const KEY_RECORD_LENGTH = 32 + SIZES.aeadTag;

export interface MultiSealed {
  /** Stored once by the relay. */
  readonly body: Uint8Array;
  /** One per recipient, in the order given; each is delivered with the body to that device only. */
  readonly keyRecords: readonly Uint8Array[];
}

function bodyKeys(p: Primitives, bodyKey: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const out = p.hkdfExpand(bodyKey, LABEL.multiSealedBody, 56);
  return { key: out.subarray(0, 32), nonce: out.subarray(32, 56) };
}

function recordAd(ad: Uint8Array, digest: Uint8Array): Uint8Array {
  return concatBytes(ad, digest);
}

export function sealForMany(
  p: Primitives,
  options: { recipients: readonly X25519PublicKey[]; payload: EnvelopePayload },
): MultiSealed {
  const payload = encodeEnvelopePayload(options.payload);
  const version = Uint8Array.of(VERSION.multiSealedEnvelope);
  const bodyKey = p.randomBytes(32);
  const ephemeral = p.x25519KeyPair();
  const { key, nonce } = bodyKeys(p, bodyKey);
  const padded = pad(
    payload,
    bucketFor(payload.length, MULTI_SEALED_OVERHEAD) - MULTI_SEALED_OVERHEAD,
  );
  const body = concatBytes(
    version,
    ephemeral.publicKey,
    p.xchachaEncrypt(key, nonce, padded, version),
  );
  const digest = p.blake2b(body);
  const keyRecords = options.recipients.map((recipient) => {
    const sealed = deriveSealKeys(p, {
      shared: p.x25519(ephemeral.secretKey, recipient),
      ephemeral: ephemeral.publicKey,
      recipient,
      info: LABEL.multiSealedKey,
    });
    return p.xchachaEncrypt(sealed.key, sealed.nonce, bodyKey, recordAd(sealed.ad, digest));
  });
  return { body, keyRecords };
}

export function openFromMany(
  p: Primitives,
  options: { identity: X25519KeyPair; body: Uint8Array; keyRecord: Uint8Array },
): EnvelopePayload {
  const { identity, body, keyRecord } = options;
  if (body.length > MAX_ENVELOPE_SIZE) fail('TOO_LARGE', 'openFromMany: body too large');
  if (keyRecord.length !== KEY_RECORD_LENGTH)
    fail('MALFORMED', 'openFromMany: key record has the wrong length');
  const reader = new ByteReader(body, 'openFromMany');
  reader.version(VERSION.multiSealedEnvelope);
  const ephemeral = reader.fixed(SIZES.x25519PublicKey) as X25519PublicKey;
  const ciphertext = reader.restView();
  const sealed = deriveSealKeys(p, {
    shared: p.x25519(identity.secretKey, ephemeral),
    ephemeral,
    recipient: identity.publicKey,
    info: LABEL.multiSealedKey,
  });
  const bodyKey = p.xchachaDecrypt(
    sealed.key,
    sealed.nonce,
    keyRecord,
    recordAd(sealed.ad, p.blake2b(body)),
  );
  const { key, nonce } = bodyKeys(p, bodyKey);
  const version = Uint8Array.of(VERSION.multiSealedEnvelope);
  return decodeEnvelopePayload(unpad(p.xchachaDecrypt(key, nonce, ciphertext, version)));
}
