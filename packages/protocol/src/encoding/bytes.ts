// Small byte helpers shared by every encoder. Public data only: secrets are compared with
// primitives.constantTimeEqual, never with equalBytes.

import { fail } from '../errors';

const encoder = new TextEncoder();
// ignoreBOM: decoding must be the exact inverse of encoding. By default a decoder drops a leading
// U+FEFF, so "\uFEFFalice" came back as "alice" and re-encoding a decoded field gave other bytes
// than the ones signed or hashed.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array, context: string): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    return fail('MALFORMED', `${context}: invalid UTF-8`, cause);
  }
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) fail('MALFORMED', 'fromHex: not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Unpadded base64url (RFC 4648 §5): the only text form of bytes at the wire edge. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      BASE64URL[n >> 18]! +
      BASE64URL[(n >> 12) & 63]! +
      BASE64URL[(n >> 6) & 63]! +
      BASE64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += BASE64URL[n >> 18]! + BASE64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += BASE64URL[n >> 18]! + BASE64URL[(n >> 12) & 63]! + BASE64URL[(n >> 6) & 63]!;
  }
  return out;
}

const BASE64URL_INDEX = new Map(
  Array.from({ length: 64 }, (_, index) => [BASE64URL.charAt(index), index]),
);

export function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1) fail('MALFORMED', 'fromBase64Url: impossible length');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let offset = 0;
  for (let i = 0; i < text.length; i++) {
    const index = BASE64URL_INDEX.get(text.charAt(i));
    if (index === undefined) fail('MALFORMED', 'fromBase64Url: invalid character');
    value = (value << 6) | index;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[offset++] = (value >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, so that every byte string has exactly one encoding.
  if ((value & ((1 << bits) - 1)) !== 0) fail('MALFORMED', 'fromBase64Url: non-canonical encoding');
  return out;
}
