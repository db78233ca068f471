// TOTP as RFC 6238 and every authenticator app expect it: HMAC-SHA-1, 6 digits, 30-second steps,
// accepted one step either side of now for clock drift. Each time step is usable once: the relay
// remembers the last step accepted and refuses any code for that step or an earlier one.
// otplib 13 does the arithmetic (its default plugins are audited @noble/hashes and @scure/base).
import { generate, generateSecret, generateURI, verify } from 'otplib';

export const TOTP_ISSUER = 'Veil';
export const TOTP_PARAMS = { algorithm: 'sha1', digits: 6, period: 30 } as const;
/** ±1 step, in seconds (otplib's tolerance is a time span). */
const EPOCH_TOLERANCE_S = TOTP_PARAMS.period;
/** 160-bit seeds, as RFC 4226 recommends. */
const SECRET_BYTES = 20;

export function newTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

/** The `otpauth://` URI an authenticator app reads from a QR code. */
export function totpUri(username: string, secret: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: username, secret, ...TOTP_PARAMS });
}

export function timeStepOf(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PARAMS.period);
}

/**
 * The time step `code` belongs to, if it is valid within ±1 step of `nowMs` and later than
 * `lastStep`; otherwise null. Never throws on a malformed code.
 */
export async function matchTotpStep(options: {
  secret: string;
  code: string;
  lastStep: number | null;
  nowMs: number;
}): Promise<number | null> {
  const epoch = Math.floor(options.nowMs / 1000);
  // otplib refuses an afterTimeStep beyond the window's end; a clock that went backwards past the
  // last accepted step simply accepts nothing until it catches up.
  const newestStep = timeStepOf(options.nowMs) + 1;
  const afterTimeStep =
    options.lastStep === null ? undefined : Math.min(options.lastStep, newestStep);
  try {
    const result = await verify({
      secret: options.secret,
      token: options.code,
      epoch,
      epochTolerance: EPOCH_TOLERANCE_S,
      ...TOTP_PARAMS,
      ...(afterTimeStep === undefined ? {} : { afterTimeStep }),
    });
    // The functional API's result type also covers HOTP, which has no time step.
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  } catch {
    return null;
  }
}

/** The code for `nowMs` (tests, and nothing else, need the relay's side of the arithmetic). */
export function totpCodeAt(secret: string, nowMs: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(nowMs / 1000), ...TOTP_PARAMS });
}
