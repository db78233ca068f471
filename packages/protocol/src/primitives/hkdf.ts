// HKDF-SHA256 (RFC 5869) over an HMAC-SHA256 function. libsodium's JS build exposes HMAC but not
// its HKDF, so the two steps are written out here, exactly as the RFC defines them.

export const HKDF_HASH_LENGTH = 32;
export const HKDF_MAX_LENGTH = 255 * HKDF_HASH_LENGTH;

type Hmac = (key: Uint8Array, ...parts: Uint8Array[]) => Uint8Array;

/** PRK = HMAC(salt, IKM); an empty salt means HashLen zero bytes, which HMAC treats identically. */
export function hkdfExtract(hmac: Hmac, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmac(salt.length === 0 ? new Uint8Array(HKDF_HASH_LENGTH) : salt, ikm);
}

/** T(i) = HMAC(PRK, T(i-1) || info || i), concatenated and truncated to `length`. */
export function hkdfExpand(
  hmac: Hmac,
  prk: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  const counterByte = new Uint8Array(1);
  for (let offset = 0, counter = 1; offset < length; counter++) {
    counterByte[0] = counter;
    previous = hmac(prk, previous, info, counterByte);
    out.set(previous.subarray(0, Math.min(HKDF_HASH_LENGTH, length - offset)), offset);
    offset += HKDF_HASH_LENGTH;
  }
  return out;
}
