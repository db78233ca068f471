// Branded byte types. A brand makes the compiler refuse a public key where a secret is expected
// (and the reverse); the bytes themselves are plain Uint8Arrays at run time.

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type SecretKey = Brand<Uint8Array, 'SecretKey'>;
export type X25519PublicKey = Brand<Uint8Array, 'X25519PublicKey'>;
export type X25519SecretKey = Brand<Uint8Array, 'X25519SecretKey'>;
export type Ed25519PublicKey = Brand<Uint8Array, 'Ed25519PublicKey'>;
export type Ed25519SecretKey = Brand<Uint8Array, 'Ed25519SecretKey'>;
export type MlKemPublicKey = Brand<Uint8Array, 'MlKemPublicKey'>;
export type MlKemSecretKey = Brand<Uint8Array, 'MlKemSecretKey'>;
export type Signature = Brand<Uint8Array, 'Signature'>;

export interface X25519KeyPair {
  readonly publicKey: X25519PublicKey;
  readonly secretKey: X25519SecretKey;
}

export interface Ed25519KeyPair {
  readonly publicKey: Ed25519PublicKey;
  readonly secretKey: Ed25519SecretKey;
}

export interface MlKemKeyPair {
  readonly publicKey: MlKemPublicKey;
  readonly secretKey: MlKemSecretKey;
}
