// Sealed envelopes: the relay stores (recipient device, sealed bytes) and learns neither the
// sender nor the content. An ECIES over X25519 with a domain-separated KDF:
//   e = fresh X25519 key pair;  shared = X25519(e, recipient identity key)
//   (key, nonce) = HKDF-SHA256(ikm = shared, salt = e.pub || recipient, info = LABEL.sealedEnvelope, 56)
//   sealed = u8 version | 32 e.pub | XChaCha20-Poly1305(key, nonce, pad(payload), AD = version || e.pub || recipient)
// The padded plaintext is sized so `sealed` is exactly one of ENVELOPE_BUCKETS.

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

/** Bytes a sealed envelope adds around the padded payload: version, ephemeral key, AEAD tag. */
export const SEALED_OVERHEAD = 1 + SIZES.x25519PublicKey + SIZES.aeadTag;

/** Shared by the single- and multi-recipient seals; `info` keeps their keys apart. */
export function deriveSealKeys(
  p: Primitives,
  options: { shared: Uint8Array; ephemeral: Uint8Array; recipient: Uint8Array; info: Uint8Array },
): { key: Uint8Array; nonce: Uint8Array; ad: Uint8Array } {
  const salt = concatBytes(options.ephemeral, options.recipient);
  const out = p.hkdf({ ikm: options.shared, salt, info: options.info, length: 56 });
  return {
    key: out.subarray(0, 32),
    nonce: out.subarray(32, 56),
    ad: concatBytes(Uint8Array.of(VERSION.sealedEnvelope), salt),
  };
}

export function sealEnvelope(
  p: Primitives,
  options: { recipient: X25519PublicKey; payload: EnvelopePayload },
): Uint8Array {
  const payload = encodeEnvelopePayload(options.payload);
  const ephemeral = p.x25519KeyPair();
  const shared = p.x25519(ephemeral.secretKey, options.recipient);
  const { key, nonce, ad } = deriveSealKeys(p, {
    shared,
    ephemeral: ephemeral.publicKey,
    recipient: options.recipient,
    info: LABEL.sealedEnvelope,
  });
  const padded = pad(payload, bucketFor(payload.length, SEALED_OVERHEAD) - SEALED_OVERHEAD);
  return concatBytes(
    Uint8Array.of(VERSION.sealedEnvelope),
    ephemeral.publicKey,
    p.xchachaEncrypt(key, nonce, padded, ad),
  );
}

/** Opens a sealed envelope with the recipient device's identity key pair. DECRYPT_FAILED on tampering. */
export function openEnvelope(
  p: Primitives,
  options: { identity: X25519KeyPair; sealed: Uint8Array },
): EnvelopePayload {
  const { identity, sealed } = options;
  if (sealed.length > MAX_ENVELOPE_SIZE) fail('TOO_LARGE', 'openEnvelope: envelope too large');
  const reader = new ByteReader(sealed, 'openEnvelope');
  reader.version(VERSION.sealedEnvelope);
  const ephemeral = reader.fixed(SIZES.x25519PublicKey) as X25519PublicKey;
  const ciphertext = reader.restView();
  const shared = p.x25519(identity.secretKey, ephemeral);
  const { key, nonce, ad } = deriveSealKeys(p, {
    shared,
    ephemeral,
    recipient: identity.publicKey,
    info: LABEL.sealedEnvelope,
  });
  return decodeEnvelopePayload(unpad(p.xchachaDecrypt(key, nonce, ciphertext, ad)));
}
