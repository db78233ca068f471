// Second factors for relay tests: turn TOTP on through the routes, produce codes, add passkeys
// with the software authenticator.
import type {
  PasskeyCreationChallengeReply,
  PasskeyLoginChallengeReply,
  PasskeySummary,
  RecoveryCodesReply,
  SignedInReply,
  TotpEnrolReply,
} from '@veil/wire';
import type { TestRelay } from '../../test-support/start-relay';
import { totpCodeAt } from '../totp';
import { AuthClient } from './auth-client';
import { SoftAuthenticator, type Ceremony } from './soft-authenticator';

export interface EnabledTotp {
  readonly secret: string;
  readonly recoveryCodes: string[];
  /** The code that confirmed enrolment, and when: its time step is spent. */
  readonly confirmedWith: { readonly code: string; readonly at: number };
}

/** Enrols and confirms TOTP for a signed-in account without a second factor yet. */
export async function enableTotp(client: AuthClient, password: string): Promise<EnabledTotp> {
  const reauth = await client.reauthWithPassword(password);
  if (reauth.status !== 200) throw new Error(`re-auth failed: ${JSON.stringify(reauth.body)}`);
  const enrol = await client.call<TotpEnrolReply>('POST', '/api/v1/account/totp/enrol', {
    reauthToken: reauth.body.reauthToken,
  });
  if (enrol.status !== 200) throw new Error(`enrol failed: ${JSON.stringify(enrol.body)}`);
  const secret = new URL(enrol.body.otpauthUri).searchParams.get('secret')!;
  const at = Date.now();
  const code = await totpCodeAt(secret, at);
  const confirm = await client.call<RecoveryCodesReply>('POST', '/api/v1/account/totp/confirm', {
    code,
  });
  if (confirm.status !== 200) throw new Error(`confirm failed: ${JSON.stringify(confirm.body)}`);
  return {
    secret,
    recoveryCodes: confirm.body.recoveryCodes,
    confirmedWith: { code, at },
  };
}

/**
 * A code the relay will take now: each time step works once, so after a code was used this
 * stands in for waiting for the next 30-second step by forgetting the last step used.
 */
export async function freshTotpCode(
  relay: TestRelay,
  username: string,
  secret: string,
): Promise<string> {
  await relay.app.db
    .updateTable('accounts')
    .set({ totp_last_step: null })
    .where('username', '=', username)
    .execute();
  return totpCodeAt(secret, Date.now());
}

/** Adds a passkey held by a new software authenticator; `proof` is the step-up body. */
export async function addPasskey(
  client: AuthClient,
  proof: { code?: string; reauthToken?: string },
  authenticator?: SoftAuthenticator,
): Promise<SoftAuthenticator> {
  const soft = authenticator ?? (await SoftAuthenticator.create());
  const options = await client.call<PasskeyCreationChallengeReply>(
    'POST',
    '/api/v1/account/passkeys/options',
    proof,
  );
  if (options.status !== 200) throw new Error(`options failed: ${JSON.stringify(options.body)}`);
  const response = await soft.register(options.body.options, { origin: client.relay.origin });
  const added = await client.call<PasskeySummary>('POST', '/api/v1/account/passkeys', {
    challengeId: options.body.challengeId,
    name: 'Test key',
    response,
  });
  if (added.status !== 201) throw new Error(`add failed: ${JSON.stringify(added.body)}`);
  return soft;
}

/** Discoverable sign-in with `soft`; `bend` changes the ceremony for negative cases. */
export async function signInWithPasskey(
  relay: TestRelay,
  soft: SoftAuthenticator,
  bend: Partial<Ceremony> = {},
  client = new AuthClient(relay),
) {
  const options = await client.call<PasskeyLoginChallengeReply>(
    'POST',
    '/api/v1/auth/passkey/options',
  );
  if (options.status !== 200) throw new Error(`options failed: ${JSON.stringify(options.body)}`);
  const response = await soft.assert(options.body.options, { origin: relay.origin, ...bend });
  const body = { challengeId: options.body.challengeId, response };
  return {
    client,
    body,
    answer: await client.call<SignedInReply>('POST', '/api/v1/auth/passkey/verify', body),
  };
}
