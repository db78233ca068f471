// Loads libsodium (WebAssembly) once and builds the primitives over it. Safe to call repeatedly.

import sodiumModule from 'libsodium-wrappers-sumo';
import { createPrimitives, type CreatePrimitivesOptions, type Primitives } from './primitives';
import type { SodiumApi } from './sodium-api';

let loaded: Promise<SodiumApi> | undefined;

export async function loadSodium(): Promise<SodiumApi> {
  loaded ??= (async () => {
    const sodium = sodiumModule as unknown as SodiumApi;
    await sodium.ready;
    return sodium;
  })();
  return loaded;
}

export async function loadPrimitives(options: CreatePrimitivesOptions = {}): Promise<Primitives> {
  return createPrimitives(await loadSodium(), options);
}
