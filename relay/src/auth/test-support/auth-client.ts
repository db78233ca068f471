// The browser's half of sign-up and sign-in for relay tests: real fetch calls to a listening
// relay, the OPAQUE client from @serenity-kit/opaque, and a one-cookie jar (Node's fetch keeps no
// cookies, and the session cookie is Secure, which a browser would not send over plain HTTP).
import * as opaque from '@serenity-kit/opaque';
import type {
  LoginStartReply,
  ReauthTokenReply,
  RegisterStartReply,
  SecondFactorRequiredReply,
  SignedInReply,
} from '@veil/wire';
import type { RelayAddress } from '../../test-support/start-relay';

type SignedIn = SignedInReply;
/** The login finish reply, flattened so tests can read either variant's fields. */
export type LoginReply = Partial<Omit<SignedInReply, 'status'>> &
  Partial<Omit<SecondFactorRequiredReply, 'status'>> & { status: 'signed-in' | 'second-factor' };

/**
 * Cheap Argon2 for tests only: key stretching is the client's choice (the relay never sees it),
 * and the real client's cost would only make the suite slow.
 */
export const TEST_KEY_STRETCHING = {
  'argon2id-custom': { iterations: 1, memory: 64, parallelism: 1 },
} as const;

/** What an error reply carries (Fastify's error body with our RELAY_ERR_* code). */
export interface ErrorBody {
  readonly statusCode?: number;
  readonly code?: string;
  readonly error?: string;
  readonly message?: string;
}

/**
 * A relay answer. `T` is the success body the caller expects; tests look at `status` before
 * relying on it, and the relay itself checks its replies against the wire schemas.
 */
export interface Answer<T = unknown> {
  readonly status: number;
  readonly body: T & ErrorBody;
}

export class AuthClient {
  cookie: string | null = null;

  /** `extraHeaders`: e.g. an X-Forwarded-For, to play many addresses against a trusting relay. */
  constructor(
    readonly relay: RelayAddress,
    readonly extraHeaders: Readonly<Record<string, string>> = {},
  ) {}

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...this.extraHeaders, origin: this.relay.origin };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie !== null) headers['cookie'] = this.cookie;
    const response = await fetch(`${this.relay.baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair] = setCookie.split(';');
      const value = pair!.slice(pair!.indexOf('=') + 1);
      this.cookie = value === '' ? null : pair!;
    }
    const text = await response.text();
    const parsed = (text === '' ? {} : JSON.parse(text)) as T & ErrorBody;
    return { status: response.status, body: parsed };
  }

  async register(username: string, password: string, invite?: string): Promise<Answer<SignedIn>> {
    const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({
      password,
    });
    const extra = invite === undefined ? {} : { invite };
    const start = await this.call<RegisterStartReply>('POST', '/api/v1/auth/register/start', {
      username,
      registrationRequest,
      ...extra,
    });
    if (start.status !== 200)
      return { status: start.status, body: start.body as ErrorBody as SignedIn & ErrorBody };
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState,
      registrationResponse: start.body.registrationResponse,
      password,
      keyStretching: TEST_KEY_STRETCHING,
    });
    return this.call<SignedIn>('POST', '/api/v1/auth/register/finish', {
      username,
      registrationRecord,
      ...extra,
    });
  }

  /**
   * Both round trips of a password proof. With a wrong password the OPAQUE client fails locally;
   * `onLocalFailure` says whether to stop there (what a real client, and a careful attacker, does)
   * or send a well-formed but wrong second message.
   */
  async passwordProof<T>(options: {
    password: string;
    start: (startLoginRequest: string) => Promise<Answer<LoginStartReply>>;
    finish: (loginId: string, finishLoginRequest: string) => Promise<Answer<T>>;
    onLocalFailure?: 'stop' | 'send-garbage';
  }): Promise<Answer<T> & { start: Answer<LoginStartReply> }> {
    const { clientLoginState, startLoginRequest } = opaque.client.startLogin({
      password: options.password,
    });
    const start = await options.start(startLoginRequest);
    if (start.status !== 200)
      return { status: start.status, body: start.body as T & ErrorBody, start };
    const finished = opaque.client.finishLogin({
      clientLoginState,
      loginResponse: start.body.loginResponse,
      password: options.password,
      keyStretching: TEST_KEY_STRETCHING,
    });
    if (finished === undefined && options.onLocalFailure !== 'send-garbage') {
      return { status: 0, body: {} as T & ErrorBody, start };
    }
    // 64 bytes, the size of a real KE3, so only the proof itself is wrong.
    const finishLoginRequest =
      finished?.finishLoginRequest ?? Buffer.alloc(64, 7).toString('base64url');
    const answer = await options.finish(start.body.loginId, finishLoginRequest);
    return { ...answer, start };
  }

  login(
    username: string,
    password: string,
    onLocalFailure: 'stop' | 'send-garbage' = 'send-garbage',
  ): Promise<Answer<LoginReply> & { start: Answer<LoginStartReply> }> {
    return this.passwordProof({
      password,
      onLocalFailure,
      start: (startLoginRequest) =>
        this.call<LoginStartReply>('POST', '/api/v1/auth/login/start', {
          username,
          startLoginRequest,
        }),
      finish: (loginId, finishLoginRequest) =>
        this.call<LoginReply>('POST', '/api/v1/auth/login/finish', {
          loginId,
          finishLoginRequest,
        }),
    });
  }

  /** A re-auth token from the password (accounts without a second factor). */
  async reauthWithPassword(
    password: string,
  ): Promise<Answer<ReauthTokenReply> & { start: Answer<LoginStartReply> }> {
    return this.passwordProof({
      password,
      onLocalFailure: 'send-garbage',
      start: (startLoginRequest) =>
        this.call<LoginStartReply>('POST', '/api/v1/account/reauth/password/start', {
          startLoginRequest,
        }),
      finish: (loginId, finishLoginRequest) =>
        this.call<ReauthTokenReply>('POST', '/api/v1/account/reauth/password/finish', {
          loginId,
          finishLoginRequest,
        }),
    });
  }
}

/** Registers and returns a signed-in client. */
export async function signedUp(
  relay: RelayAddress,
  username: string,
  password: string,
): Promise<AuthClient> {
  await opaque.ready;
  const client = new AuthClient(relay);
  const answer = await client.register(username, password);
  if (answer.status !== 200) throw new Error(`sign-up failed: ${JSON.stringify(answer.body)}`);
  return client;
}
