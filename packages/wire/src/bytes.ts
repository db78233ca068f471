// Byte fields travel as unpadded base64url strings. The schema bounds the string by the number of
// bytes it may carry, so a body is refused for its size before anything decodes it.
import Type from 'typebox';

/** Characters of unpadded base64url needed for `bytes` bytes. */
export function base64UrlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/** A base64url string carrying `minBytes`..`maxBytes` bytes. */
export function Base64UrlBytes(maxBytes: number, minBytes = 1) {
  return Type.String({
    minLength: base64UrlLength(minBytes),
    maxLength: base64UrlLength(maxBytes),
    pattern: '^[A-Za-z0-9_-]+$',
  });
}

/** Exactly `bytes` bytes. */
export function Base64UrlFixed(bytes: number) {
  return Base64UrlBytes(bytes, bytes);
}

/** A relay-issued one-time token (login, pending second factor, reauth, device link): 32 random bytes. */
export const TicketTokenSchema = Base64UrlFixed(32);

/** A device id, as the protocol bounds it (1..2^32-1). */
export const DeviceIdSchema = Type.Integer({ minimum: 1, maximum: 0xffffffff });

/** A per-device mailbox sequence number. */
export const SeqSchema = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** Milliseconds since the epoch. */
export const MillisSchema = Type.Integer({ minimum: 0 });
