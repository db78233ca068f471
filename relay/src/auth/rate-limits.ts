// Per-IP budgets for the auth and account routes, far below the global 600 a minute: these are
// where passwords and codes get guessed. Each route has its own bucket. The per-account lockout
// (lockout.ts) is the second layer, for guessing spread over many addresses.
export const RATE_LIMITS = {
  /** Password and second-factor attempts, sign-in and re-auth alike. */
  signIn: { max: 10, timeWindow: '1 minute' },
  signUp: { max: 10, timeWindow: '1 minute' },
  passkey: { max: 20, timeWindow: '1 minute' },
  /** Changes to the account (factors, password, sessions, deletion). */
  change: { max: 30, timeWindow: '1 minute' },
} as const;

/** Body limits: OPAQUE messages and codes are small; WebAuthn attestations can carry certificates. */
export const BODY_LIMITS = { small: 4 * 1024, webauthn: 64 * 1024 } as const;
