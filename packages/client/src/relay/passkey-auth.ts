// Passkey sign-up and sign-in, and the passkey's second job: its WebAuthn PRF output (a secret the
// authenticator derives per credential, which never reaches the relay) wraps the vault key, so a
// passkey alone can open Veil, offline too. The browser's half of each ceremony is behind
// `PasskeyAuthenticator`, so Node tests drive the same code with a software authenticator.
import { toBase64Url, utf8 } from '@veil/protocol';
import type {
  PasskeyAssertion,
  PasskeyAttestation,
  PasskeyCreationOptions,
  PasskeyLoginChallengeReply,
  PasskeyRequestOptions,
  PasskeySignupChallengeReply,
  SignedInReply,
} from '@veil/wire';
import type { RelayHttp } from './relay-http';

/**
 * The PRF input Veil asks every passkey to evaluate. Fixed: the output differs per credential
 * anyway (the authenticator keys it), and the same input must give the same secret at every unlock.
 */
export const PASSKEY_PRF_SALT: Uint8Array = utf8('veil/vault-key-wrap/v1');

/** A ceremony's answer for the relay, and the PRF output kept on this device (null: no PRF). */
export interface Ceremony<R> {
  readonly response: R;
  readonly prf: Uint8Array | null;
}

/** The browser's navigator.credentials (or a test double): runs one ceremony each. */
export interface PasskeyAuthenticator {
  create(
    options: PasskeyCreationOptions,
    prfSalt: Uint8Array,
  ): Promise<Ceremony<PasskeyAttestation>>;
  get(options: PasskeyRequestOptions, prfSalt: Uint8Array): Promise<Ceremony<PasskeyAssertion>>;
}

/** The authenticator has no PRF: this passkey cannot open the vault by itself. */
export class PasskeyPrfUnsupportedError extends Error {
  readonly code = 'PASSKEY_PRF_UNSUPPORTED';
  constructor() {
    super('This passkey cannot unlock Veil on its own (its authenticator has no PRF support)');
  }
}

export interface PasskeyFactor {
  /** The credential id (base64url), which names the vault wrap it opens. */
  readonly credentialId: string;
  /** The PRF output: 32 bytes that wrap the vault key. Never sent anywhere. */
  readonly prfSecret: Uint8Array;
}

/**
 * Makes a passkey for a new account and creates the account with it. The PRF secret is obtained
 * before the relay is told, so an authenticator without PRF leaves no account behind (only an
 * unused credential on the authenticator, which the error message explains).
 */
export async function signUpWithPasskey(
  http: RelayHttp,
  authenticator: PasskeyAuthenticator,
  options: {
    username: string;
    invite?: string;
    name?: string;
    randomBytes: (n: number) => Uint8Array;
  },
): Promise<PasskeyFactor & { reply: SignedInReply }> {
  const invite = options.invite === undefined ? {} : { invite: options.invite };
  const start = await http.post<PasskeySignupChallengeReply>(
    '/api/v1/auth/register/passkey/options',
    { username: options.username, ...invite },
  );
  const created = await authenticator.create(start.options, PASSKEY_PRF_SALT);
  const factor = await prfOf(authenticator, created, options.randomBytes);
  const reply = await http.post<SignedInReply>('/api/v1/auth/register/passkey/verify', {
    challengeId: start.challengeId,
    username: options.username,
    ...invite,
    ...(options.name === undefined ? {} : { name: options.name }),
    response: withoutExtensionResults(created.response),
  });
  return { ...factor, reply };
}

/** Discoverable sign-in: the browser offers this site's passkeys; the PRF comes in the same step. */
export async function signInWithPasskey(
  http: RelayHttp,
  authenticator: PasskeyAuthenticator,
): Promise<{ credentialId: string; prfSecret: Uint8Array | null; reply: SignedInReply }> {
  const start = await http.post<PasskeyLoginChallengeReply>('/api/v1/auth/passkey/options');
  const asserted = await authenticator.get(start.options, PASSKEY_PRF_SALT);
  const reply = await http.post<SignedInReply>('/api/v1/auth/passkey/verify', {
    challengeId: start.challengeId,
    response: withoutExtensionResults(asserted.response),
  });
  return { credentialId: asserted.response.id, prfSecret: asserted.prf, reply };
}

/**
 * The PRF secret of one of `credentialIds`, with no relay involved (offline unlock): the challenge
 * is local and random because nobody verifies this assertion; only its PRF output is used.
 */
export async function evaluatePasskeyPrf(
  authenticator: PasskeyAuthenticator,
  credentialIds: readonly string[],
  randomBytes: (n: number) => Uint8Array,
): Promise<PasskeyFactor> {
  const asserted = await authenticator.get(
    {
      challenge: toBase64Url(randomBytes(32)),
      allowCredentials: credentialIds.map((id) => ({ id, type: 'public-key' as const })),
      userVerification: 'required',
    },
    PASSKEY_PRF_SALT,
  );
  if (asserted.prf === null) throw new PasskeyPrfUnsupportedError();
  return { credentialId: asserted.response.id, prfSecret: asserted.prf };
}

/**
 * Whatever PRF output a creation gave; some authenticators evaluate PRF only on `get`, so then one
 * local assertion asks for it.
 */
export async function prfOf(
  authenticator: PasskeyAuthenticator,
  created: Ceremony<PasskeyAttestation>,
  randomBytes: (n: number) => Uint8Array,
): Promise<PasskeyFactor> {
  if (created.prf !== null) return { credentialId: created.response.id, prfSecret: created.prf };
  return evaluatePasskeyPrf(authenticator, [created.response.id], randomBytes);
}

/** PRF results are secrets of this device: they must not travel with the answer to the relay. */
export function withoutExtensionResults<R extends { clientExtensionResults: unknown }>(
  response: R,
): R {
  return { ...response, clientExtensionResults: {} };
}
