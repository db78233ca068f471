// The primitives layer: the only module that calls libsodium. Everything above it speaks in branded
// byte arrays and ProtocolError codes, so a second implementation (or a different libsodium build)
// only has to match this surface.

import { fail } from '../errors';
import type {
  Ed25519KeyPair,
  Ed25519PublicKey,
  Ed25519SecretKey,
  MlKemKeyPair,
  MlKemPublicKey,
  MlKemSecretKey,
  Signature,
  X25519KeyPair,
  X25519PublicKey,
  X25519SecretKey,
} from '../types';
import { hkdfExpand, hkdfExtract, HKDF_MAX_LENGTH } from './hkdf';
import type { SodiumApi, StateAddress } from './sodium-api';
import { SIZES } from './sizes';

export interface Argon2idParams {
  /** Passes over memory (libsodium's opslimit). */
  readonly opsLimit: number;
  /** Memory in bytes (libsodium's memlimit). */
  readonly memLimit: number;
}

export interface CreatePrimitivesOptions {
  /**
   * Replaces the CSPRNG. Only for tests that need reproducible output; never set it anywhere else.
   * The name is deliberately alarming so that a review catches any production use.
   */
  readonly dangerousTestOnlyRandom?: (length: number) => Uint8Array;
}

export interface StreamPusher {
  /** Encrypts one chunk; `final` marks the last chunk so truncation is detectable. */
  push(chunk: Uint8Array, final: boolean): Uint8Array;
}

export interface StreamPuller {
  /** Decrypts one chunk; throws DECRYPT_FAILED on tampering. */
  pull(chunk: Uint8Array): { readonly plaintext: Uint8Array; readonly final: boolean };
}

export interface KemEncapsulation {
  readonly ciphertext: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

const GET_RANDOM_VALUES_LIMIT = 65536;
const BLAKE2B_MAX_BYTES = 64;

/**
 * The platform CSPRNG (Web Crypto's getRandomValues, present in browsers and Node >= 19) when there
 * is one: libsodium-wrappers' randombytes_buf costs ~140 µs per call through its JS bridge, which
 * would dominate every key generation. libsodium's own generator is the fallback.
 */
function platformRandom(sodium: SodiumApi): (length: number) => Uint8Array {
  const webCrypto = (globalThis as { crypto?: WebCryptoRandom }).crypto;
  if (typeof webCrypto?.getRandomValues !== 'function') return (n) => sodium.randombytes_buf(n);
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += GET_RANDOM_VALUES_LIMIT) {
      webCrypto.getRandomValues(
        out.subarray(offset, Math.min(length, offset + GET_RANDOM_VALUES_LIMIT)),
      );
    }
    return out;
  };
}

interface WebCryptoRandom {
  getRandomValues(array: Uint8Array): Uint8Array;
}

export type Primitives = ReturnType<typeof createPrimitives>;

export function createPrimitives(sodium: SodiumApi, options: CreatePrimitivesOptions = {}) {
  const random = options.dangerousTestOnlyRandom ?? platformRandom(sodium);

  const checkLength = (fn: string, what: string, bytes: Uint8Array, length: number): void => {
    if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
      fail('INVALID_ARGUMENT', `${fn}: ${what} must be ${length} bytes`);
    }
  };

  /** libsodium's crypto_generichash limits; outside them it throws a bare Error. */
  const checkBlake2b = (fn: string, length: number, key: Uint8Array | null): void => {
    if (!Number.isInteger(length) || length < 1 || length > BLAKE2B_MAX_BYTES) {
      fail('INVALID_ARGUMENT', `${fn}: length must be 1..${BLAKE2B_MAX_BYTES}`);
    }
    if (key !== null && key.length > BLAKE2B_MAX_BYTES) {
      fail('INVALID_ARGUMENT', `${fn}: key must be at most ${BLAKE2B_MAX_BYTES} bytes`);
    }
  };

  const hmacSha256 = (key: Uint8Array, ...parts: Uint8Array[]): Uint8Array => {
    if (key.length === SIZES.hmacKey && parts.length === 1) {
      return sodium.crypto_auth_hmacsha256(parts[0]!, key);
    }
    const state: StateAddress = sodium.crypto_auth_hmacsha256_init(key);
    // Empty parts change nothing but would still cost a call into WebAssembly each.
    for (const part of parts)
      if (part.length > 0) sodium.crypto_auth_hmacsha256_update(state, part);
    return sodium.crypto_auth_hmacsha256_final(state);
  };

  const mlkemKeyPairFromSeed = (seed: Uint8Array): MlKemKeyPair => {
    checkLength('mlkemKeyPairFromSeed', 'seed', seed, SIZES.mlkemSeed);
    const pair = sodium.crypto_kem_mlkem768_seed_keypair(seed);
    return {
      publicKey: pair.publicKey as MlKemPublicKey,
      secretKey: pair.privateKey as MlKemSecretKey,
    };
  };

  /** FIPS 203 ML-KEM.Encaps_internal with an explicit message `m`; for vectors and tests. */
  const mlkemEncapsulateWithSeed = (publicKey: MlKemPublicKey, m: Uint8Array): KemEncapsulation => {
    checkLength('mlkemEncapsulate', 'public key', publicKey, SIZES.mlkemPublicKey);
    checkLength('mlkemEncapsulate', 'seed', m, SIZES.mlkemEncapsSeed);
    try {
      return sodium.crypto_kem_mlkem768_enc_deterministic(publicKey, m);
    } catch (cause) {
      return fail('BAD_KEY', 'mlkemEncapsulate: public key failed the modulus check', cause);
    }
  };

  return {
    sodiumVersion: sodium.SODIUM_VERSION_STRING,

    randomBytes(length: number): Uint8Array {
      return random(length);
    },

    /** Constant-time equality; lengths are public and compared first. */
    constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
      if (a.length !== b.length) return false;
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
      return diff === 0;
    },

    wipe(bytes: Uint8Array): void {
      sodium.memzero(bytes);
    },

    // --- X25519 ---------------------------------------------------------------------------------
    x25519KeyPair(): X25519KeyPair {
      const secretKey = random(SIZES.x25519SecretKey) as X25519SecretKey;
      return { secretKey, publicKey: sodium.crypto_scalarmult_base(secretKey) as X25519PublicKey };
    },

    x25519PublicKey(secretKey: X25519SecretKey): X25519PublicKey {
      checkLength('x25519PublicKey', 'secret key', secretKey, SIZES.x25519SecretKey);
      return sodium.crypto_scalarmult_base(secretKey) as X25519PublicKey;
    },

    /** X25519(secret, public). A low-order public key (all-zero output) is refused with BAD_KEY. */
    x25519(secretKey: X25519SecretKey, publicKey: X25519PublicKey): Uint8Array {
      checkLength('x25519', 'secret key', secretKey, SIZES.x25519SecretKey);
      checkLength('x25519', 'public key', publicKey, SIZES.x25519PublicKey);
      try {
        return sodium.crypto_scalarmult(secretKey, publicKey);
      } catch (cause) {
        return fail('BAD_KEY', 'x25519: public key is of low order', cause);
      }
    },

    // --- Ed25519 --------------------------------------------------------------------------------
    ed25519KeyPair(): Ed25519KeyPair {
      const pair = sodium.crypto_sign_seed_keypair(random(SIZES.ed25519Seed));
      return {
        publicKey: pair.publicKey as Ed25519PublicKey,
        secretKey: pair.privateKey as Ed25519SecretKey,
      };
    },

    ed25519KeyPairFromSeed(seed: Uint8Array): Ed25519KeyPair {
      checkLength('ed25519KeyPairFromSeed', 'seed', seed, SIZES.ed25519Seed);
      const pair = sodium.crypto_sign_seed_keypair(seed);
      return {
        publicKey: pair.publicKey as Ed25519PublicKey,
        secretKey: pair.privateKey as Ed25519SecretKey,
      };
    },

    sign(secretKey: Ed25519SecretKey, message: Uint8Array): Signature {
      checkLength('sign', 'secret key', secretKey, SIZES.ed25519SecretKey);
      return sodium.crypto_sign_detached(message, secretKey) as Signature;
    },

    /** Strict verification (libsodium rejects non-canonical and small-order encodings). */
    verify(publicKey: Ed25519PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
      if (publicKey.length !== SIZES.ed25519PublicKey || signature.length !== SIZES.signature) {
        return false;
      }
      try {
        return sodium.crypto_sign_verify_detached(signature, message, publicKey);
      } catch {
        return false;
      }
    },

    // --- AEAD -----------------------------------------------------------------------------------
    xchachaEncrypt(
      key: Uint8Array,
      nonce: Uint8Array,
      plaintext: Uint8Array,
      ad: Uint8Array,
    ): Uint8Array {
      checkLength('xchachaEncrypt', 'key', key, SIZES.aeadKey);
      checkLength('xchachaEncrypt', 'nonce', nonce, SIZES.xchachaNonce);
      return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
    },

    /** Throws DECRYPT_FAILED when the tag does not verify; never returns unauthenticated bytes. */
    xchachaDecrypt(
      key: Uint8Array,
      nonce: Uint8Array,
      ciphertext: Uint8Array,
      ad: Uint8Array,
    ): Uint8Array {
      checkLength('xchachaDecrypt', 'key', key, SIZES.aeadKey);
      checkLength('xchachaDecrypt', 'nonce', nonce, SIZES.xchachaNonce);
      if (ciphertext.length < SIZES.aeadTag)
        fail('DECRYPT_FAILED', 'xchachaDecrypt: ciphertext too short');
      try {
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key);
      } catch (cause) {
        return fail('DECRYPT_FAILED', 'xchachaDecrypt: authentication failed', cause);
      }
    },

    /** IETF ChaCha20-Poly1305 (96-bit nonce): the construction XChaCha20-Poly1305 extends. */
    chachaIetfEncrypt(
      key: Uint8Array,
      nonce: Uint8Array,
      plaintext: Uint8Array,
      ad: Uint8Array,
    ): Uint8Array {
      checkLength('chachaIetfEncrypt', 'key', key, SIZES.aeadKey);
      checkLength('chachaIetfEncrypt', 'nonce', nonce, SIZES.chachaIetfNonce);
      return sodium.crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
    },

    chachaIetfDecrypt(
      key: Uint8Array,
      nonce: Uint8Array,
      ciphertext: Uint8Array,
      ad: Uint8Array,
    ): Uint8Array {
      checkLength('chachaIetfDecrypt', 'key', key, SIZES.aeadKey);
      checkLength('chachaIetfDecrypt', 'nonce', nonce, SIZES.chachaIetfNonce);
      if (ciphertext.length < SIZES.aeadTag)
        fail('DECRYPT_FAILED', 'chachaIetfDecrypt: ciphertext too short');
      try {
        return sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key);
      } catch (cause) {
        return fail('DECRYPT_FAILED', 'chachaIetfDecrypt: authentication failed', cause);
      }
    },

    // --- Hashes and KDFs ------------------------------------------------------------------------
    hmacSha256,

    /** HKDF-SHA256 (RFC 5869) built from HMAC-SHA256; at most 8160 bytes of output. */
    hkdf(options: {
      ikm: Uint8Array;
      salt: Uint8Array;
      info: Uint8Array;
      length: number;
    }): Uint8Array {
      const { ikm, salt, info, length } = options;
      if (!Number.isInteger(length) || length < 1 || length > HKDF_MAX_LENGTH) {
        fail('INVALID_ARGUMENT', `hkdf: length must be 1..${HKDF_MAX_LENGTH}`);
      }
      return hkdfExpand(hmacSha256, hkdfExtract(hmacSha256, salt, ikm), info, length);
    },

    /** HKDF-Expand alone, for keys that are already uniformly random (a PRK). */
    hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
      if (!Number.isInteger(length) || length < 1 || length > HKDF_MAX_LENGTH) {
        fail('INVALID_ARGUMENT', `hkdfExpand: length must be 1..${HKDF_MAX_LENGTH}`);
      }
      return hkdfExpand(hmacSha256, prk, info, length);
    },

    sha256(message: Uint8Array): Uint8Array {
      return sodium.crypto_hash_sha256(message);
    },

    sha512(message: Uint8Array): Uint8Array {
      return sodium.crypto_hash_sha512(message);
    },

    blake2b(message: Uint8Array, length = 32, key: Uint8Array | null = null): Uint8Array {
      checkBlake2b('blake2b', length, key);
      return sodium.crypto_generichash(length, message, key);
    },

    /** Incremental BLAKE2b, for hashing attachments chunk by chunk. */
    blake2bStream(length = 32): { update(chunk: Uint8Array): void; digest(): Uint8Array } {
      checkBlake2b('blake2bStream', length, null);
      const state = sodium.crypto_generichash_init(null, length);
      let done = false;
      return {
        update(chunk) {
          if (done) fail('INVALID_ARGUMENT', 'blake2bStream.update: already finalised');
          sodium.crypto_generichash_update(state, chunk);
        },
        digest() {
          if (done) fail('INVALID_ARGUMENT', 'blake2bStream.digest: already finalised');
          done = true;
          return sodium.crypto_generichash_final(state, length);
        },
      };
    },

    argon2id(options: {
      password: Uint8Array;
      salt: Uint8Array;
      params: Argon2idParams;
      length?: number;
    }): Uint8Array {
      const { password, salt, params, length = 32 } = options;
      checkLength('argon2id', 'salt', salt, SIZES.argon2Salt);
      try {
        return sodium.crypto_pwhash(
          length,
          password,
          salt,
          params.opsLimit,
          params.memLimit,
          sodium.crypto_pwhash_ALG_ARGON2ID13,
        );
      } catch (cause) {
        // libsodium refuses an output under 16 bytes, too few passes or too little memory with
        // a bare Error; callers branch on codes, so it becomes a ProtocolError here.
        return fail('INVALID_ARGUMENT', 'argon2id: parameters out of range', cause);
      }
    },

    argon2idInteractive: {
      opsLimit: sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE,
      memLimit: sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE,
    } satisfies Argon2idParams,

    // --- ML-KEM-768 (FIPS 203) ------------------------------------------------------------------
    mlkemKeyPair(): MlKemKeyPair {
      return mlkemKeyPairFromSeed(random(SIZES.mlkemSeed));
    },

    mlkemKeyPairFromSeed,

    /** Encapsulates to a public key; a key failing FIPS 203's modulus check is refused (BAD_KEY). */
    mlkemEncapsulate(publicKey: MlKemPublicKey): KemEncapsulation {
      return mlkemEncapsulateWithSeed(publicKey, random(SIZES.mlkemEncapsSeed));
    },

    mlkemEncapsulateWithSeed,

    /** Decapsulates; an invalid ciphertext yields FIPS 203's implicit-rejection secret, not an error. */
    mlkemDecapsulate(secretKey: MlKemSecretKey, ciphertext: Uint8Array): Uint8Array {
      checkLength('mlkemDecapsulate', 'secret key', secretKey, SIZES.mlkemSecretKey);
      checkLength('mlkemDecapsulate', 'ciphertext', ciphertext, SIZES.mlkemCiphertext);
      try {
        return sodium.crypto_kem_mlkem768_dec(ciphertext, secretKey);
      } catch (cause) {
        return fail('BAD_KEY', 'mlkemDecapsulate: secret key rejected', cause);
      }
    },

    // --- secretstream (XChaCha20-Poly1305 stream) -----------------------------------------------
    streamPush(key: Uint8Array): { header: Uint8Array; pusher: StreamPusher } {
      checkLength('streamPush', 'key', key, SIZES.aeadKey);
      const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
      let finished = false;
      return {
        header,
        pusher: {
          push(chunk, final) {
            if (finished) fail('INVALID_ARGUMENT', 'streamPush.push: stream already finished');
            finished = final;
            const tag = final
              ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
              : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
            return sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, null, tag);
          },
        },
      };
    },

    streamPull(key: Uint8Array, header: Uint8Array): StreamPuller {
      checkLength('streamPull', 'key', key, SIZES.aeadKey);
      checkLength('streamPull', 'header', header, SIZES.streamHeader);
      let state: StateAddress;
      try {
        state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
      } catch (cause) {
        return fail('DECRYPT_FAILED', 'streamPull: bad header', cause);
      }
      let finished = false;
      return {
        pull(chunk) {
          if (finished) fail('MALFORMED', 'streamPull.pull: data after the final chunk');
          if (chunk.length < SIZES.streamOverhead)
            fail('DECRYPT_FAILED', 'streamPull.pull: chunk too short');
          const result = sodium.crypto_secretstream_xchacha20poly1305_pull(state, chunk, null);
          if (result === false) fail('DECRYPT_FAILED', 'streamPull.pull: authentication failed');
          finished = result.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
          return { plaintext: result.message, final: finished };
        },
      };
    },
  };
}
