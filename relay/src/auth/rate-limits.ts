// Per-IP budgets for the auth, account, key and mailbox routes. The auth ones are far below the
// global 600 a minute: these are where passwords and codes get guessed. Each route has its own bucket. The per-account lockout
// (lockout.ts) is the second layer, for guessing spread over many addresses.
export const RATE_LIMITS = {
  /** Password and second-factor attempts, sign-in and re-auth alike. */
  signIn: { max: 10, timeWindow: '1 minute' },
  signUp: { max: 10, timeWindow: '1 minute' },
  passkey: { max: 20, timeWindow: '1 minute' },
  /** Changes to the account (factors, password, sessions, deletion). */
  change: { max: 30, timeWindow: '1 minute' },
  /** Device registration, claims, device-list changes and prekey uploads. */
  keyUpload: { max: 30, timeWindow: '1 minute' },
  /** Directory look-ups (device lists). */
  directory: { max: 300, timeWindow: '1 minute' },
  /** Bundle fetches take one-time prekeys: a tight budget slows anyone draining them. */
  bundles: { max: 60, timeWindow: '1 minute' },
  /** Envelope submissions and mailbox reads. */
  mailbox: { max: 600, timeWindow: '1 minute' },
} as const;

/** Body limits: OPAQUE messages and codes are small; WebAuthn attestations can carry certificates. */
export const BODY_LIMITS = {
  small: 4 * 1024,
  webauthn: 64 * 1024,
  /** A device registration with 200 + 200 one-time prekeys (ML-KEM keys are 1.25 KB each). */
  keys: 768 * 1024,
  /** A submission: up to 16 bodies of the largest envelope, base64url. */
  submit: 12 * 1024 * 1024,
} as const;
