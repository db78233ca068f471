// The exact subset of libsodium-wrappers-sumo (libsodium 1.0.22) that Veil calls, typed by hand:
// the published @types package predates ML-KEM. Listing the surface here also documents every
// libsodium function the project depends on. Only files in primitives/ may use it.

export type StateAddress = number & { readonly __sodiumState: true };

export interface SodiumApi {
  readonly ready: Promise<void>;
  readonly SODIUM_VERSION_STRING: string;

  randombytes_buf(length: number): Uint8Array;
  memzero(bytes: Uint8Array): void;

  crypto_scalarmult(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  crypto_scalarmult_base(secretKey: Uint8Array): Uint8Array;

  crypto_sign_keypair(): { publicKey: Uint8Array; privateKey: Uint8Array };
  crypto_sign_seed_keypair(seed: Uint8Array): { publicKey: Uint8Array; privateKey: Uint8Array };
  crypto_sign_detached(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  crypto_sign_verify_detached(
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ): boolean;

  crypto_aead_xchacha20poly1305_ietf_encrypt(
    message: Uint8Array,
    additionalData: Uint8Array | null,
    secretNonce: null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array;
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    secretNonce: null,
    ciphertext: Uint8Array,
    additionalData: Uint8Array | null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array;
  crypto_aead_chacha20poly1305_ietf_encrypt(
    message: Uint8Array,
    additionalData: Uint8Array | null,
    secretNonce: null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array;
  crypto_aead_chacha20poly1305_ietf_decrypt(
    secretNonce: null,
    ciphertext: Uint8Array,
    additionalData: Uint8Array | null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array;

  crypto_auth_hmacsha256(message: Uint8Array, key: Uint8Array): Uint8Array;
  crypto_auth_hmacsha256_init(key: Uint8Array | null): StateAddress;
  crypto_auth_hmacsha256_update(state: StateAddress, message: Uint8Array): void;
  crypto_auth_hmacsha256_final(state: StateAddress): Uint8Array;

  crypto_hash_sha512(message: Uint8Array): Uint8Array;
  crypto_hash_sha256(message: Uint8Array): Uint8Array;

  crypto_generichash(length: number, message: Uint8Array, key: Uint8Array | null): Uint8Array;
  crypto_generichash_init(key: Uint8Array | null, length: number): StateAddress;
  crypto_generichash_update(state: StateAddress, message: Uint8Array): void;
  crypto_generichash_final(state: StateAddress, length: number): Uint8Array;

  crypto_pwhash(
    length: number,
    password: Uint8Array,
    salt: Uint8Array,
    opsLimit: number,
    memLimit: number,
    algorithm: number,
  ): Uint8Array;
  readonly crypto_pwhash_ALG_ARGON2ID13: number;
  readonly crypto_pwhash_OPSLIMIT_INTERACTIVE: number;
  readonly crypto_pwhash_MEMLIMIT_INTERACTIVE: number;

  crypto_kem_mlkem768_keypair(): { publicKey: Uint8Array; privateKey: Uint8Array };
  crypto_kem_mlkem768_seed_keypair(seed: Uint8Array): {
    publicKey: Uint8Array;
    privateKey: Uint8Array;
  };
  crypto_kem_mlkem768_enc(publicKey: Uint8Array): {
    ciphertext: Uint8Array;
    sharedSecret: Uint8Array;
  };
  crypto_kem_mlkem768_enc_deterministic(
    publicKey: Uint8Array,
    seed: Uint8Array,
  ): { ciphertext: Uint8Array; sharedSecret: Uint8Array };
  crypto_kem_mlkem768_dec(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array;

  crypto_secretstream_xchacha20poly1305_init_push(key: Uint8Array): {
    state: StateAddress;
    header: Uint8Array;
  };
  crypto_secretstream_xchacha20poly1305_push(
    state: StateAddress,
    message: Uint8Array,
    additionalData: Uint8Array | null,
    tag: number,
  ): Uint8Array;
  crypto_secretstream_xchacha20poly1305_init_pull(
    header: Uint8Array,
    key: Uint8Array,
  ): StateAddress;
  crypto_secretstream_xchacha20poly1305_pull(
    state: StateAddress,
    ciphertext: Uint8Array,
    additionalData: Uint8Array | null,
  ): { message: Uint8Array; tag: number } | false;
  readonly crypto_secretstream_xchacha20poly1305_TAG_MESSAGE: number;
  readonly crypto_secretstream_xchacha20poly1305_TAG_FINAL: number;
}
