// Session tokens: 256 random bits, handed to the browser once in an HttpOnly cookie; the relay keeps
// only their SHA-256, so a stolen database holds no usable session.
import { createHash, randomBytes } from 'node:crypto';

export function newToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** `__Host-` binds the cookie to this exact origin over HTTPS (no Domain, Path=/, Secure). */
export function sessionCookieName(publicOrigin: string): string {
  return publicOrigin.startsWith('https://') ? '__Host-veil_session' : 'veil_session';
}
