// Password sign-up and sign-in with OPAQUE (@serenity-kit/opaque): the password never leaves this
// device, and both flows end with OPAQUE's export key — a secret only someone who knows the password
// can derive, which encrypts the account-key backup the relay keeps for us.
import type {
  LoginFinishReply,
  LoginStartReply,
  RegisterStartReply,
  SecondFactorBody,
  SignedInReply,
} from '@veil/wire';
import { opaqueClient, type OpaqueClient } from './opaque-client';
import { RelayError, type RelayHttp } from './relay-http';

/**
 * How OPAQUE stretches the password on this device. The default is the library's
 * memory-constrained Argon2id; tests pass a cheap custom setting (the relay never sees it, but
 * sign-up and sign-in must use the same one).
 */
export type KeyStretching = NonNullable<
  Parameters<OpaqueClient['finishRegistration']>[0]['keyStretching']
>;

export interface PasswordResult {
  /** OPAQUE export key (base64url): encrypts the account-key backup. Never sent anywhere. */
  readonly exportKey: string;
}

export type SignInResult =
  | (PasswordResult & { readonly status: 'signed-in'; readonly reply: SignedInReply })
  | (PasswordResult & {
      readonly status: 'second-factor';
      readonly pendingToken: string;
      readonly methods: readonly string[];
    });

export async function signUp(
  http: RelayHttp,
  options: { username: string; password: string; invite?: string; keyStretching?: KeyStretching },
): Promise<PasswordResult & { reply: SignedInReply }> {
  const opaque = await opaqueClient();
  const { clientRegistrationState, registrationRequest } = opaque.startRegistration({
    password: options.password,
  });
  const invite = options.invite === undefined ? {} : { invite: options.invite };
  const start = await http.post<RegisterStartReply>('/api/v1/auth/register/start', {
    username: options.username,
    registrationRequest,
    ...invite,
  });
  const { registrationRecord, exportKey } = opaque.finishRegistration({
    clientRegistrationState,
    registrationResponse: start.registrationResponse,
    password: options.password,
    ...(options.keyStretching === undefined ? {} : { keyStretching: options.keyStretching }),
  });
  const reply = await http.post<SignedInReply>('/api/v1/auth/register/finish', {
    username: options.username,
    registrationRecord,
    ...invite,
  });
  return { reply, exportKey };
}

export async function signIn(
  http: RelayHttp,
  options: { username: string; password: string; keyStretching?: KeyStretching },
): Promise<SignInResult> {
  const opaque = await opaqueClient();
  const { clientLoginState, startLoginRequest } = opaque.startLogin({
    password: options.password,
  });
  const start = await http.post<LoginStartReply>('/api/v1/auth/login/start', {
    username: options.username,
    startLoginRequest,
  });
  const finished = opaque.finishLogin({
    clientLoginState,
    loginResponse: start.loginResponse,
    password: options.password,
    ...(options.keyStretching === undefined ? {} : { keyStretching: options.keyStretching }),
  });
  // A wrong password fails here, on this device; the relay answers unknown names the same way.
  if (finished === undefined) {
    throw new RelayError(
      401,
      'RELAY_ERR_INVALID_CREDENTIALS',
      'The username or password is not right',
    );
  }
  const reply = await http.post<LoginFinishReply>('/api/v1/auth/login/finish', {
    loginId: start.loginId,
    finishLoginRequest: finished.finishLoginRequest,
  });
  if (reply.status === 'signed-in')
    return { status: 'signed-in', reply, exportKey: finished.exportKey };
  return {
    status: 'second-factor',
    pendingToken: reply.pendingToken,
    methods: reply.methods,
    exportKey: finished.exportKey,
  };
}

/** The second step of a sign-in: a TOTP code or a recovery code. */
export function completeSecondFactor(
  http: RelayHttp,
  body: SecondFactorBody,
): Promise<SignedInReply> {
  return http.post<SignedInReply>('/api/v1/auth/login/second-factor', body);
}

export async function signOut(http: RelayHttp): Promise<void> {
  await http.post('/api/v1/auth/logout');
}
