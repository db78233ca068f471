// @veil/protocol: the public surface. Everything a client, a test or a benchmark needs is exported
// from here; internal modules stay private to the package.

export * from './errors';
export * from './types';
export * from './constants';
export { SIZES } from './primitives/sizes';
export { createPrimitives } from './primitives/primitives';
export type {
  Primitives,
  Argon2idParams,
  KemEncapsulation,
  StreamPusher,
  StreamPuller,
} from './primitives/primitives';
export { loadPrimitives, loadSodium } from './primitives/load';
export type { SodiumApi } from './primitives/sodium-api';
export * from './encoding/bytes';
export { ByteReader } from './encoding/byte-reader';
export { ByteWriter } from './encoding/byte-writer';
