// The three KDFs of the Double Ratchet (DESIGN.md §3, Signal's specification §5.2):
//   root:    (RK, CK) = HKDF-SHA256(salt = RK, ikm = DH output, info = LABEL.rootKdf, 64 bytes)
//   chain:   MK = HMAC-SHA256(CK, 0x01), next CK = HMAC-SHA256(CK, 0x02)
//   message: (key, nonce) = HKDF-Expand(MK, LABEL.messageKeys, 56) split 32 | 24, for XChaCha20-Poly1305

import { CHAIN_MESSAGE_KEY_SEED, CHAIN_NEXT_KEY_SEED, LABEL } from '../constants';
import type { Primitives } from '../primitives/primitives';

export function kdfRoot(
  p: Primitives,
  rootKey: Uint8Array,
  dhOutput: Uint8Array,
): { rootKey: Uint8Array; chainKey: Uint8Array } {
  const out = p.hkdf({ ikm: dhOutput, salt: rootKey, info: LABEL.rootKdf, length: 64 });
  return { rootKey: out.slice(0, 32), chainKey: out.slice(32, 64) };
}

export function kdfChain(
  p: Primitives,
  chainKey: Uint8Array,
): { messageKey: Uint8Array; chainKey: Uint8Array } {
  return {
    messageKey: p.hmacSha256(chainKey, CHAIN_MESSAGE_KEY_SEED),
    chainKey: p.hmacSha256(chainKey, CHAIN_NEXT_KEY_SEED),
  };
}

export function messageKeyMaterial(
  p: Primitives,
  messageKey: Uint8Array,
): { key: Uint8Array; nonce: Uint8Array } {
  const out = p.hkdfExpand(messageKey, LABEL.messageKeys, 56);
  return { key: out.subarray(0, 32), nonce: out.subarray(32, 56) };
}
