// Sign-up rules against a real relay: username syntax and case, taken names, and the operator's
// registration modes (open, invite codes with expiry and a use budget, closed).
import type { RegisterStartReply } from '@veil/wire';
import * as opaque from '@serenity-kit/opaque';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient, TEST_KEY_STRETCHING } from '../../auth/test-support/auth-client';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

const relays: TestRelay[] = [];
async function relayWith(env: Record<string, string> = {}): Promise<TestRelay> {
  const relay = await startRelay(env);
  relays.push(relay);
  return relay;
}
beforeAll(async () => {
  await opaque.ready;
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.stop()));
});

describe('sign-up', () => {
  it('takes 3–32 of a–z 0–9 _ . - and lower-cases them', async () => {
    const relay = await relayWith();
    const client = new AuthClient(relay);
    for (const bad of ['ab', 'a'.repeat(33), 'has space', 'emoji😀', 'semi;colon', 'ümlaut']) {
      expect((await client.register(bad, 'some password')).status).toBe(400);
    }
    const answer = await client.register('Mixed.Case_name-1', 'some password');
    expect(answer.status).toBe(200);
    expect(answer.body.account.username).toBe('mixed.case_name-1');
  });

  it('refuses a taken name at the first step, whatever its case, with a generic message', async () => {
    const relay = await relayWith();
    expect((await new AuthClient(relay).register('bob', 'first password')).status).toBe(200);
    const taken = await new AuthClient(relay).register('BOB', 'second password');
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({
      code: 'RELAY_ERR_USERNAME_TAKEN',
      message: 'That username is not available',
    });
    // Neither step leaves a trace for the second attempt.
    expect(await relay.app.db.selectFrom('accounts').select('id').execute()).toHaveLength(1);
  });

  it('refuses everything when registration is closed', async () => {
    const relay = await relayWith({ VEIL_REGISTRATION: 'closed' });
    const answer = await new AuthClient(relay).register('zed', 'a password');
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe('RELAY_ERR_REGISTRATION_CLOSED');
  });

  it('in invite mode, needs a live code and spends one use per account', async () => {
    const relay = await relayWith({ VEIL_REGISTRATION: 'invite' });
    const client = (): AuthClient => new AuthClient(relay);
    expect((await client().register('nocode', 'a password')).body.code).toBe('RELAY_ERR_INVITE');
    expect(
      (await client().register('badcode', 'a password', 'zzzz-zzzz-zzzz-zzzz')).body.code,
    ).toBe('RELAY_ERR_INVITE');

    const twice = await relay.app.invites.create({ maxUses: 2 });
    expect(twice.code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
    expect((await client().register('first', 'a password', twice.code)).status).toBe(200);
    // Codes are forgiving about case and separators.
    const retyped = twice.code.toUpperCase().replaceAll('-', ' ');
    expect((await client().register('second', 'a password', retyped)).status).toBe(200);
    expect((await client().register('third', 'a password', twice.code)).status).toBe(403);
    expect((await relay.app.invites.list()).find((i) => i.id === twice.id)?.uses).toBe(2);

    // The code itself is not stored, only its hash.
    const rows = await relay.app.db.selectFrom('invites').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(twice.code.replaceAll('-', ''));
  });

  it('gives the last use of an invite to exactly one of two racing sign-ups', async () => {
    const relay = await relayWith({ VEIL_REGISTRATION: 'invite' });
    const invite = await relay.app.invites.create({ maxUses: 1 });
    const racers = ['racer-a', 'racer-b'].map((name) =>
      new AuthClient(relay).register(name, 'pw', invite.code),
    );
    const statuses = (await Promise.all(racers)).map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 403]);
    expect(await relay.app.db.selectFrom('accounts').select('id').execute()).toHaveLength(1);
  });

  it('refuses expired and revoked invites, and gives a use back when the name is taken', async () => {
    const relay = await relayWith({ VEIL_REGISTRATION: 'invite' });
    const expiring = await relay.app.invites.create({ ttlMs: 60_000 });
    await relay.app.db
      .updateTable('invites')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', expiring.id)
      .execute();
    expect((await new AuthClient(relay).register('late', 'pw', expiring.code)).status).toBe(403);

    const revoked = await relay.app.invites.create();
    expect(await relay.app.invites.revoke(revoked.id)).toBe(true);
    expect(await relay.app.invites.revoke(revoked.id)).toBe(false);
    expect((await new AuthClient(relay).register('gone', 'pw', revoked.code)).status).toBe(403);

    const shared = await relay.app.invites.create({ maxUses: 1 });
    const other = await relay.app.invites.create({ maxUses: 1 });
    expect((await new AuthClient(relay).register('taken', 'pw', other.code)).status).toBe(200);
    // Finishing with a taken name (the race the first step cannot see) rolls the use back.
    const { registrationRequest, clientRegistrationState } = opaque.client.startRegistration({
      password: 'pw',
    });
    const start = await new AuthClient(relay).call<RegisterStartReply>(
      'POST',
      '/api/v1/auth/register/start',
      {
        username: 'taken-later',
        registrationRequest,
        invite: shared.code,
      },
    );
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState,
      registrationResponse: start.body.registrationResponse,
      password: 'pw',
      keyStretching: TEST_KEY_STRETCHING,
    });
    const clash = await new AuthClient(relay).call('POST', '/api/v1/auth/register/finish', {
      username: 'taken',
      registrationRecord,
      invite: shared.code,
    });
    expect(clash.status).toBe(409);
    expect((await relay.app.invites.list()).find((i) => i.id === shared.id)?.uses).toBe(0);
  });
});
