// Passkeys end to end against a real relay, with a software authenticator (ES256, 'none'
// attestation) playing the browser and the security key: adding, listing, renaming, removing,
// discoverable sign-in, re-auth, and the ceremonies the relay must refuse.
import type {
  AccountSessionListReply,
  ActivityPageReply,
  PasskeyCreationChallengeReply,
  PasskeyListReply,
  PasskeyLoginChallengeReply,
  PasskeySummary,
  ReauthTokenReply,
  SignedInReply,
} from '@veil/wire';
import * as opaque from '@serenity-kit/opaque';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthClient, signedUp } from '../../auth/test-support/auth-client';
import { addPasskey, signInWithPasskey } from '../../auth/test-support/factors';
import { SoftAuthenticator, type Ceremony } from '../../auth/test-support/soft-authenticator';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

const PASSWORD = 'a long enough password';
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

async function passwordProof(client: AuthClient): Promise<{ reauthToken: string }> {
  const reauth = await client.reauthWithPassword(PASSWORD);
  expect(reauth.status).toBe(200);
  return { reauthToken: reauth.body.reauthToken };
}

/** Discoverable sign-in with `soft` against this file's relay. */
const passkeySignIn = (
  soft: SoftAuthenticator,
  bend: Partial<Ceremony> = {},
  client?: AuthClient,
) => signInWithPasskey(relay, soft, bend, client);

async function storedCounter(soft: SoftAuthenticator): Promise<number> {
  const row = await relay.app.db
    .selectFrom('passkeys')
    .select('counter')
    .where('id', '=', soft.credentialId)
    .executeTakeFirstOrThrow();
  return row.counter;
}

describe('passkeys', () => {
  it('adds one behind a fresh proof, lists and renames it, and signs in with it alone', async () => {
    const client = await signedUp(relay, 'alice', PASSWORD);
    const bare = await client.call<PasskeyCreationChallengeReply>(
      'POST',
      '/api/v1/account/passkeys/options',
      {},
    );
    expect(bare.body.code).toBe('RELAY_ERR_STEP_UP');
    const options = await client.call<PasskeyCreationChallengeReply>(
      'POST',
      '/api/v1/account/passkeys/options',
      await passwordProof(client),
    );
    expect(options.body.options).toMatchObject({
      rp: { name: 'Veil', id: '127.0.0.1' },
      user: { name: 'alice' },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const soft = await SoftAuthenticator.create();
    const response = await soft.register(options.body.options, { origin: relay.origin });
    const added = await client.call<PasskeySummary>('POST', '/api/v1/account/passkeys', {
      challengeId: options.body.challengeId,
      name: 'Laptop',
      response,
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: soft.credentialId, name: 'Laptop', lastUsedAt: null });

    const renamed = await client.call('PATCH', `/api/v1/account/passkeys/${soft.credentialId}`, {
      name: 'Work laptop',
    });
    expect(renamed.status).toBe(204);
    const list = await client.call<PasskeyListReply>('GET', '/api/v1/account/passkeys');
    expect(list.body.passkeys).toHaveLength(1);
    expect(list.body.passkeys[0]).toMatchObject({ id: soft.credentialId, name: 'Work laptop' });

    const options2 = await new AuthClient(relay).call<PasskeyLoginChallengeReply>(
      'POST',
      '/api/v1/auth/passkey/options',
    );
    expect(options2.body.options.allowCredentials).toBeUndefined();
    expect(options2.body.options.userVerification).toBe('required');
    const { client: browser, answer } = await passkeySignIn(soft);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'signed-in',
      account: { username: 'alice', passkeyCount: 1 },
    });
    expect(browser.cookie).not.toBeNull();
    expect(await storedCounter(soft)).toBe(1);
    const sessions = await browser.call<AccountSessionListReply>('GET', '/api/v1/account/sessions');
    expect(sessions.body.sessions.find((s) => s.current)?.method).toBe('passkey');
  });

  it('refuses registrations from a wrong origin, for a wrong rpID, or without user verification', async () => {
    const client = await signedUp(relay, 'bob', PASSWORD);
    const bent: Partial<Ceremony>[] = [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { userVerified: false },
    ];
    for (const bend of bent) {
      const options = await client.call<PasskeyCreationChallengeReply>(
        'POST',
        '/api/v1/account/passkeys/options',
        await passwordProof(client),
      );
      const soft = await SoftAuthenticator.create();
      const response = await soft.register(options.body.options, {
        origin: relay.origin,
        ...bend,
      });
      const added = await client.call<PasskeySummary>('POST', '/api/v1/account/passkeys', {
        challengeId: options.body.challengeId,
        response,
      });
      expect(added.status).toBe(400);
      expect(added.body.code).toBe('RELAY_ERR_PASSKEY_REGISTRATION');
    }
    expect(
      (await client.call<PasskeyListReply>('GET', '/api/v1/account/passkeys')).body.passkeys,
    ).toEqual([]);
  });

  it('refuses sign-ins from a wrong origin, for a wrong rpID, or without user verification', async () => {
    const client = await signedUp(relay, 'carol', PASSWORD);
    const soft = await addPasskey(client, await passwordProof(client));
    for (const bend of [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { userVerified: false },
    ]) {
      const { client: browser, answer } = await passkeySignIn(soft, bend);
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('RELAY_ERR_PASSKEY');
      expect(browser.cookie).toBeNull();
    }
    expect((await passkeySignIn(soft)).answer.status).toBe(200);
  });

  it('uses a challenge once, and not after five minutes', async () => {
    const client = await signedUp(relay, 'dave', PASSWORD);
    const soft = await addPasskey(client, await passwordProof(client));
    const { client: browser, body, answer } = await passkeySignIn(soft);
    expect(answer.status).toBe(200);
    expect(
      (await browser.call<SignedInReply>('POST', '/api/v1/auth/passkey/verify', body)).status,
    ).toBe(401);
    // A fresh signature over the used challenge (a higher counter) is refused as well.
    const resigned = await soft.assert(
      {
        challenge: (
          JSON.parse(
            Buffer.from(body.response.response.clientDataJSON, 'base64url').toString(),
          ) as { challenge: string }
        ).challenge,
        rpId: '127.0.0.1',
      },
      { origin: relay.origin },
    );
    const reused = await browser.call<SignedInReply>('POST', '/api/v1/auth/passkey/verify', {
      challengeId: body.challengeId,
      response: resigned,
    });
    expect(reused.status).toBe(401);

    const options = await browser.call<PasskeyLoginChallengeReply>(
      'POST',
      '/api/v1/auth/passkey/options',
    );
    await relay.app.db
      .updateTable('webauthn_challenges')
      .set({ expires_at: Date.now() - 1 })
      .execute();
    const late = await browser.call<SignedInReply>('POST', '/api/v1/auth/passkey/verify', {
      challengeId: options.body.challengeId,
      response: await soft.assert(options.body.options, { origin: relay.origin }),
    });
    expect(late.status).toBe(401);
    expect(await relay.app.db.selectFrom('webauthn_challenges').selectAll().execute()).toEqual([]);
  });

  it('refuses a counter that went back, but accepts authenticators that keep it at zero', async () => {
    const client = await signedUp(relay, 'erin', PASSWORD);
    const soft = await addPasskey(client, await passwordProof(client));
    expect((await passkeySignIn(soft)).answer.status).toBe(200);
    expect((await passkeySignIn(soft)).answer.status).toBe(200);
    expect(await storedCounter(soft)).toBe(2);
    const cloned = await passkeySignIn(soft, { counter: 2 });
    expect(cloned.answer.status).toBe(401);
    expect((await passkeySignIn(soft, { counter: 1 })).answer.status).toBe(401);
    expect(await storedCounter(soft)).toBe(2);

    const zero = await SoftAuthenticator.create({ counting: false });
    await addPasskey(client, await passkeyProof(client, soft), zero);
    expect((await passkeySignIn(zero)).answer.status).toBe(200);
    expect((await passkeySignIn(zero)).answer.status).toBe(200);
    expect(await storedCounter(zero)).toBe(0);
  });

  it("refuses another account's credential, for re-auth and for registration", async () => {
    const alice = await signedUp(relay, 'alice', PASSWORD);
    const aliceKey = await addPasskey(alice, await passwordProof(alice));
    const bob = await signedUp(relay, 'bob', PASSWORD);
    const bobKey = await addPasskey(bob, await passwordProof(bob));

    const options = await bob.call<PasskeyLoginChallengeReply>(
      'POST',
      '/api/v1/account/reauth/passkey/options',
    );
    expect(options.body.options.allowCredentials).toEqual([
      { id: bobKey.credentialId, type: 'public-key', transports: ['internal'] },
    ]);
    const withAlices = await bob.call<ReauthTokenReply>(
      'POST',
      '/api/v1/account/reauth/passkey/verify',
      {
        challengeId: options.body.challengeId,
        response: await aliceKey.assert(options.body.options, { origin: relay.origin }),
      },
    );
    expect(withAlices.status).toBe(401);
    expect(withAlices.body.code).toBe('RELAY_ERR_PASSKEY');

    // Alice's credential id cannot be registered to Bob either.
    const token = await passkeyProof(bob, bobKey);
    const register = await bob.call<PasskeyCreationChallengeReply>(
      'POST',
      '/api/v1/account/passkeys/options',
      token,
    );
    const stolen = await bob.call<PasskeySummary>('POST', '/api/v1/account/passkeys', {
      challengeId: register.body.challengeId,
      response: await aliceKey.register(register.body.options, { origin: relay.origin }),
    });
    expect(stolen.status).toBe(409);
    const owners = await relay.app.db.selectFrom('passkeys').select(['id', 'account_id']).execute();
    expect(owners).toHaveLength(2);
  });

  it('signs in with a passkey while the password is locked out', async () => {
    const client = await signedUp(relay, 'frank', PASSWORD);
    const soft = await addPasskey(client, await passwordProof(client));
    const attacker = new AuthClient(relay);
    for (let i = 0; i < 5; i++) await attacker.login('frank', `guess ${i}`, 'stop');
    expect((await new AuthClient(relay).login('frank', PASSWORD)).status).toBe(401);
    const { answer } = await passkeySignIn(soft);
    expect(answer.status).toBe(200);
    // The lock stays for the password (a passkey sign-in does not hand the attacker new tries).
    const row = await relay.app.db
      .selectFrom('accounts')
      .select(['failed_logins', 'locked_until'])
      .where('username', '=', 'frank')
      .executeTakeFirstOrThrow();
    expect(row.failed_logins).toBe(5);
    expect(row.locked_until).toBeGreaterThan(Date.now());
  });

  it('removes one only with a fresh proof from a factor, not the password', async () => {
    const client = await signedUp(relay, 'gina', PASSWORD);
    const soft = await addPasskey(client, await passwordProof(client));
    const path = `/api/v1/account/passkeys/${soft.credentialId}`;
    expect((await client.call('DELETE', path, {})).status).toBe(403);
    // With a passkey on the account, the password alone no longer proves enough.
    expect((await client.reauthWithPassword(PASSWORD)).start.status).toBe(403);
    const removed = await client.call('DELETE', path, await passkeyProof(client, soft));
    expect(removed.status).toBe(204);
    expect(
      (await client.call<PasskeyListReply>('GET', '/api/v1/account/passkeys')).body.passkeys,
    ).toEqual([]);
    const kinds = (
      await client.call<ActivityPageReply>('GET', '/api/v1/account/activity')
    ).body.entries.map((entry) => entry.kind);
    expect(kinds.slice(0, 2)).toEqual(['passkey-removed', 'passkey-added']);
  });
});

/** A re-auth token from a passkey assertion (accounts that have one). */
async function passkeyProof(
  client: AuthClient,
  soft: SoftAuthenticator,
): Promise<{ reauthToken: string }> {
  const options = await client.call<PasskeyLoginChallengeReply>(
    'POST',
    '/api/v1/account/reauth/passkey/options',
  );
  const verified = await client.call<ReauthTokenReply>(
    'POST',
    '/api/v1/account/reauth/passkey/verify',
    {
      challengeId: options.body.challengeId,
      response: await soft.assert(options.body.options, { origin: relay.origin }),
    },
  );
  expect(verified.status).toBe(200);
  return { reauthToken: verified.body.reauthToken };
}
