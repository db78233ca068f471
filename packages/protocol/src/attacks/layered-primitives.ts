// The primitives the decrypting openers run on under fuzzing (suite 2, docs/security.md): the real
// ones, watched. Each input's path is recorded — did it get past the parser to a key agreement, a
// signature check, an AEAD? — so the report says how deep the hostile inputs went, not only how
// many there were. Key agreements are pure functions of their inputs, so one already computed for
// the same (secret, public key or ciphertext) is handed back instead of recomputed: a mutant that
// leaves the ephemeral key alone and breaks the ciphertext reaches the AEAD as before, without
// paying X25519 or ML-KEM again. Everything else, signature checks and AEADs included, runs for
// real on every input.
//
// A ratchet step draws a fresh sending key pair before the AEAD has decided (the new state is
// built beside the old one), and its second X25519 pairs that fresh secret with the input's key:
// never the same inputs twice, so it could never be reused. The pair's value decides nothing about
// an input — which branch it takes, which error it earns — so the watched primitives draw one pair
// per surface and hand it out for every step: the second agreement is then reused like the first
// whenever the input's ratchet key was seen before, and no input pays for a key pair.
import { toHex } from '../encoding/bytes';
import type { Primitives } from '../primitives/primitives';

export interface LayerCounts {
  /** Inputs that got past the parser to any cryptographic check at all. */
  anyCrypto: number;
  /** Inputs that reached at least one key agreement (X25519 or ML-KEM decapsulation). */
  keyAgreement: number;
  /** Key agreements computed for real (the rest were the same inputs as an earlier one). */
  keyAgreementsComputed: number;
  keyAgreementsReused: number;
  /** Inputs that reached a signature check. */
  signature: number;
  /** Inputs that reached an AEAD (or secretstream) decryption. */
  aead: number;
}

export interface LayeredPrimitives {
  readonly p: Primitives;
  readonly counts: LayerCounts;
  /** Call before each input: the layers it reaches are counted once per input. */
  nextInput(): void;
}

/**
 * Per secret key: far more than the seeds' distinct ephemeral keys and KEM ciphertexts (a mutant
 * that changes one is computed anyway); cleared when full, so memory stays flat.
 */
const MAX_REMEMBERED = 4_096;

export function layeredPrimitives(real: Primitives): LayeredPrimitives {
  const counts: LayerCounts = {
    anyCrypto: 0,
    keyAgreement: 0,
    keyAgreementsComputed: 0,
    keyAgreementsReused: 0,
    signature: 0,
    aead: 0,
  };
  let reached = new Set<'keyAgreement' | 'signature' | 'aead'>();
  const reach = (layer: 'keyAgreement' | 'signature' | 'aead'): void => {
    if (reached.has(layer)) return;
    if (reached.size === 0) counts.anyCrypto++;
    reached.add(layer);
    counts[layer]++;
  };
  // Secret keys are long-lived objects of the seed parties: keyed by identity, then by input bytes.
  const remembered = new WeakMap<Uint8Array, Map<string, Uint8Array>>();
  const agree = (secret: Uint8Array, input: Uint8Array, compute: () => Uint8Array): Uint8Array => {
    reach('keyAgreement');
    let known = remembered.get(secret);
    if (known === undefined) remembered.set(secret, (known = new Map<string, Uint8Array>()));
    // A public key names itself; a 16-byte BLAKE2b names an ML-KEM ciphertext (1,088 bytes).
    const id = toHex(input.length <= 32 ? input : real.blake2b(input, 16));
    const hit = known.get(id);
    // Callers wipe shared secrets after use: hand out copies, never the remembered bytes.
    if (hit !== undefined) {
      counts.keyAgreementsReused++;
      return hit.slice();
    }
    counts.keyAgreementsComputed++;
    // A refusal (BAD_KEY for a low-order point) is thrown here, as the real primitive throws it.
    const shared = compute();
    if (known.size >= MAX_REMEMBERED) known.clear();
    known.set(id, shared.slice());
    return shared;
  };
  let keyPair: ReturnType<Primitives['x25519KeyPair']> | undefined;
  const p: Primitives = {
    ...real,
    // The same object every time: agreements are remembered by the secret key's identity.
    x25519KeyPair: () => (keyPair ??= real.x25519KeyPair()),
    x25519: (secretKey, publicKey) =>
      agree(secretKey, publicKey, () => real.x25519(secretKey, publicKey)),
    mlkemDecapsulate: (secretKey, ciphertext) =>
      agree(secretKey, ciphertext, () => real.mlkemDecapsulate(secretKey, ciphertext)),
    verify(publicKey, message, signature) {
      reach('signature');
      return real.verify(publicKey, message, signature);
    },
    xchachaDecrypt(key, nonce, ciphertext, ad) {
      reach('aead');
      return real.xchachaDecrypt(key, nonce, ciphertext, ad);
    },
    chachaIetfDecrypt(key, nonce, ciphertext, ad) {
      reach('aead');
      return real.chachaIetfDecrypt(key, nonce, ciphertext, ad);
    },
    streamPull(key, header) {
      reach('aead');
      return real.streamPull(key, header);
    },
  };
  return {
    p,
    counts,
    nextInput() {
      reached = new Set();
    },
  };
}
