// Passkey-only sign-up against a real relay with a software authenticator: the account exists with
// a passkey and no password, signs in with the passkey alone, looks unknown to password guessing,
// and can set a password later. The relay refuses a challenge used twice or for another username,
// a taken username, and a ceremony without user verification.
import type {
  AccountSummary,
  PasskeyLoginChallengeReply,
  PasskeySignupChallengeReply,
  SignedInReply,
} from '@veil/wire';
import * as opaque from '@serenity-kit/opaque';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthClient, signedUp } from '../../auth/test-support/auth-client';
import { SoftAuthenticator, type Ceremony } from '../../auth/test-support/soft-authenticator';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

let relay: TestRelay;
beforeAll(async () => {
  await opaque.ready;
});
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await relay.stop();
});

async function passkeySignUp(
  username: string,
  options: { soft?: SoftAuthenticator; bend?: Partial<Ceremony>; finishAs?: string } = {},
) {
  const soft = options.soft ?? (await SoftAuthenticator.create());
  const client = new AuthClient(relay);
  const start = await client.call<PasskeySignupChallengeReply>(
    'POST',
    '/api/v1/auth/register/passkey/options',
    { username },
  );
  if (start.status !== 200) return { soft, client, start, finish: null, body: null };
  const response = await soft.register(start.body.options, {
    origin: relay.origin,
    ...options.bend,
  });
  const body = {
    challengeId: start.body.challengeId,
    username: options.finishAs ?? username,
    response,
  };
  const finish = await client.call<SignedInReply>(
    'POST',
    '/api/v1/auth/register/passkey/verify',
    body,
  );
  return { soft, client, start, finish, body };
}

describe('passkey-only sign-up', () => {
  it('creates an account with a passkey and no password, signed in', async () => {
    const { finish, client, start } = await passkeySignUp('Bob');
    expect(start.body.options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });
    expect(finish?.status).toBe(200);
    expect(finish?.body.account).toMatchObject<Partial<AccountSummary>>({
      username: 'bob',
      passwordSet: false,
      passkeyCount: 1,
      totpEnabled: false,
    });
    const me = await client.call<AccountSummary>('GET', '/api/v1/account');
    expect(me.status).toBe(200);
    expect(await relay.app.db.selectFrom('password_records').selectAll().execute()).toHaveLength(0);
  });

  it('signs in again with the passkey alone', async () => {
    const { soft } = await passkeySignUp('bob');
    const client = new AuthClient(relay);
    const options = await client.call<PasskeyLoginChallengeReply>(
      'POST',
      '/api/v1/auth/passkey/options',
    );
    const response = await soft.assert(options.body.options, { origin: relay.origin });
    const answer = await client.call<SignedInReply>('POST', '/api/v1/auth/passkey/verify', {
      challengeId: options.body.challengeId,
      response,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.account.username).toBe('bob');
  });

  it('answers a password guess as it would for an unknown account, and counts no failure', async () => {
    await passkeySignUp('bob');
    const guess = await new AuthClient(relay).login('bob', 'some guess');
    const unknown = await new AuthClient(relay).login('nobody-here', 'some guess');
    expect(guess.start.status).toBe(200);
    expect(guess.status).toBe(unknown.status);
    expect(guess.body.code).toBe(unknown.body.code);
    const row = await relay.app.db
      .selectFrom('accounts')
      .select('failed_logins')
      .where('username', '=', 'bob')
      .executeTakeFirstOrThrow();
    expect(row.failed_logins).toBe(0);
  });

  it('refuses a taken username at either step', async () => {
    await signedUp(relay, 'alice', 'a long enough password');
    const taken = await passkeySignUp('alice');
    expect(taken.start.status).toBe(409);
    expect(taken.start.body.code).toBe('RELAY_ERR_USERNAME_TAKEN');

    // Two sign-ups racing for one name: the second to finish loses.
    const softA = await SoftAuthenticator.create();
    const softB = await SoftAuthenticator.create();
    const a = new AuthClient(relay);
    const b = new AuthClient(relay);
    const startA = await a.call<PasskeySignupChallengeReply>(
      'POST',
      '/api/v1/auth/register/passkey/options',
      { username: 'carol' },
    );
    const startB = await b.call<PasskeySignupChallengeReply>(
      'POST',
      '/api/v1/auth/register/passkey/options',
      { username: 'carol' },
    );
    const finish = async (client: AuthClient, soft: SoftAuthenticator, start: typeof startA) =>
      client.call('POST', '/api/v1/auth/register/passkey/verify', {
        challengeId: start.body.challengeId,
        username: 'carol',
        response: await soft.register(start.body.options, { origin: relay.origin }),
      });
    expect((await finish(a, softA, startA)).status).toBe(200);
    const second = await finish(b, softB, startB);
    expect(second.status).toBe(409);
    expect(await relay.app.db.selectFrom('passkeys').select('id').execute()).toHaveLength(1);
  });

  it('refuses a reused challenge, another username, no user verification and a wrong origin', async () => {
    const first = await passkeySignUp('dave');
    expect(first.finish?.status).toBe(200);
    const replay = await new AuthClient(relay).call(
      'POST',
      '/api/v1/auth/register/passkey/verify',
      { ...first.body, username: 'dave2' },
    );
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('RELAY_ERR_PASSKEY_REGISTRATION');

    const renamed = await passkeySignUp('erin', { finishAs: 'mallory' });
    expect(renamed.finish?.status).toBe(400);
    const noUv = await passkeySignUp('frank', { bend: { userVerified: false } });
    expect(noUv.finish?.status).toBe(400);
    const elsewhere = await passkeySignUp('grace', { bend: { origin: 'https://evil.example' } });
    expect(elsewhere.finish?.status).toBe(400);
    const usernames = await relay.app.db.selectFrom('accounts').select('username').execute();
    expect(usernames.map((row) => row.username)).toEqual(['dave']);
  });

  it('is closed when registration is closed', async () => {
    await relay.stop();
    relay = await startRelay({ VEIL_REGISTRATION: 'closed' });
    const closed = await passkeySignUp('henry');
    expect(closed.start.status).toBe(403);
  });
});
