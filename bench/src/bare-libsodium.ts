// The physical limit for our seal/open path: the exact libsodium calls that path performs, made
// directly on prepared buffers with no encoding, no objects and no checks. Our path may only add
// the glue around them; `pnpm bench` reports the ratio (target: at most 1.15x).
//
// Encrypt + seal (1 KiB) performs:
//   ratchet: HMAC(ck,1), HMAC(ck,2); HKDF-Expand → 2 HMACs; XChaCha20-Poly1305 encrypt (1 KiB)
//   seal:    32 random bytes, X25519 base, X25519; HKDF → 3 HMACs; XChaCha20-Poly1305 encrypt (padded)
// Open + decrypt performs the mirror image minus the key generation.

import type { SodiumApi } from '@veil/protocol';

export interface BareFixture {
  readonly chainKey: Uint8Array;
  readonly plaintext: Uint8Array;
  readonly paddedLength: number;
  readonly recipientPublic: Uint8Array;
  readonly recipientSecret: Uint8Array;
}

const ONE = Uint8Array.of(1);
const TWO = Uint8Array.of(2);
const INFO = new Uint8Array(19);

function hmacMulti(sodium: SodiumApi, key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
  const state = sodium.crypto_auth_hmacsha256_init(key);
  for (const part of parts) sodium.crypto_auth_hmacsha256_update(state, part);
  return sodium.crypto_auth_hmacsha256_final(state);
}

function expand56(sodium: SodiumApi, prk: Uint8Array): Uint8Array {
  const t1 = hmacMulti(sodium, prk, [INFO, ONE]);
  const t2 = hmacMulti(sodium, prk, [t1, INFO, TWO]);
  const out = new Uint8Array(56);
  out.set(t1);
  out.set(t2.subarray(0, 24), 32);
  return out;
}

export function bareEncryptAndSeal(sodium: SodiumApi, fixture: BareFixture): Uint8Array {
  const messageKey = sodium.crypto_auth_hmacsha256(ONE, fixture.chainKey);
  sodium.crypto_auth_hmacsha256(TWO, fixture.chainKey);
  const keys = expand56(sodium, messageKey);
  const inner = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    fixture.plaintext,
    keys.subarray(0, 41),
    null,
    keys.subarray(32, 56),
    keys.subarray(0, 32),
  );
  const padded = new Uint8Array(fixture.paddedLength);
  padded.set(inner);
  const ephemeralSecret = new Uint8Array(32);
  crypto.getRandomValues(ephemeralSecret);
  const ephemeralPublic = sodium.crypto_scalarmult_base(ephemeralSecret);
  const shared = sodium.crypto_scalarmult(ephemeralSecret, fixture.recipientPublic);
  const prk = hmacMulti(sodium, ephemeralPublic, [shared]);
  const sealKeys = expand56(sodium, prk);
  return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    padded,
    ephemeralPublic,
    null,
    sealKeys.subarray(32, 56),
    sealKeys.subarray(0, 32),
  );
}

/** Returns what the bare open needs: a sealed blob made by the same sequence. */
export function bareSealedFixture(
  sodium: SodiumApi,
  fixture: BareFixture,
): { ephemeralPublic: Uint8Array; sealed: Uint8Array; innerLength: number } {
  const messageKey = sodium.crypto_auth_hmacsha256(ONE, fixture.chainKey);
  const keys = expand56(sodium, messageKey);
  const inner = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    fixture.plaintext,
    keys.subarray(0, 41),
    null,
    keys.subarray(32, 56),
    keys.subarray(0, 32),
  );
  const padded = new Uint8Array(fixture.paddedLength);
  padded.set(inner);
  const ephemeralSecret = sodium.randombytes_buf(32);
  const ephemeralPublic = sodium.crypto_scalarmult_base(ephemeralSecret);
  const shared = sodium.crypto_scalarmult(ephemeralSecret, fixture.recipientPublic);
  const sealKeys = expand56(sodium, hmacMulti(sodium, ephemeralPublic, [shared]));
  const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    padded,
    ephemeralPublic,
    null,
    sealKeys.subarray(32, 56),
    sealKeys.subarray(0, 32),
  );
  return { ephemeralPublic, sealed, innerLength: inner.length };
}

export function bareOpenAndDecrypt(
  sodium: SodiumApi,
  fixture: BareFixture,
  sealedFixture: { ephemeralPublic: Uint8Array; sealed: Uint8Array; innerLength: number },
): Uint8Array {
  const shared = sodium.crypto_scalarmult(fixture.recipientSecret, sealedFixture.ephemeralPublic);
  const sealKeys = expand56(sodium, hmacMulti(sodium, sealedFixture.ephemeralPublic, [shared]));
  const padded = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
    null,
    sealedFixture.sealed,
    sealedFixture.ephemeralPublic,
    sealKeys.subarray(32, 56),
    sealKeys.subarray(0, 32),
  );
  const messageKey = sodium.crypto_auth_hmacsha256(ONE, fixture.chainKey);
  sodium.crypto_auth_hmacsha256(TWO, fixture.chainKey);
  const keys = expand56(sodium, messageKey);
  return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
    null,
    padded.subarray(0, sealedFixture.innerLength),
    keys.subarray(0, 41),
    keys.subarray(32, 56),
    keys.subarray(0, 32),
  );
}
