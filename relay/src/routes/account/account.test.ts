// The account area against a real relay: sessions (list, revoke, sign-out), password change by
// OPAQUE re-registration, account deletion, and the security activity log.
import type {
  AccountSessionListReply,
  AccountSummary,
  ActivityPageReply,
  PasskeyLoginChallengeReply,
  PasswordChangeStartReply,
} from '@veil/wire';
import * as opaque from '@serenity-kit/opaque';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthClient, signedUp, TEST_KEY_STRETCHING } from '../../auth/test-support/auth-client';
import { addPasskey, enableTotp, freshTotpCode } from '../../auth/test-support/factors';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

const PASSWORD = 'a long enough password';
let relay: TestRelay;
let revoked: number[];
beforeAll(async () => {
  await opaque.ready;
});
beforeEach(async () => {
  relay = await startRelay();
  revoked = [];
  relay.app.sessionEvents.on('revoked', (ids) => revoked.push(...ids));
});
afterEach(async () => {
  await relay.stop();
});

interface SessionView {
  id: number;
  current: boolean;
  method: string;
  label: string;
}

async function sessionsOf(client: AuthClient): Promise<SessionView[]> {
  const answer = await client.call<AccountSessionListReply>('GET', '/api/v1/account/sessions');
  expect(answer.status).toBe(200);
  return answer.body.sessions;
}

describe('account area', () => {
  it('needs a session for every route', async () => {
    const stranger = new AuthClient(relay);
    for (const path of ['', '/sessions', '/passkeys', '/activity']) {
      const answer = await stranger.call('GET', `/api/v1/account${path}`);
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('RELAY_ERR_UNAUTHENTICATED');
    }
  });

  it('lists sessions with the current one marked, and ends any of them', async () => {
    const laptop = await signedUp(relay, 'alice', PASSWORD);
    const phone = new AuthClient(relay);
    expect((await phone.login('alice', PASSWORD)).status).toBe(200);
    const seen = await sessionsOf(laptop);
    expect(seen).toHaveLength(2);
    expect(seen.filter((s) => s.current)).toHaveLength(1);
    expect(seen.map((s) => s.method).sort()).toEqual(['password', 'password']);
    const phoneSession = seen.find((s) => !s.current)!;

    const bob = await signedUp(relay, 'bob', PASSWORD);
    const bobsId = (await sessionsOf(bob))[0]!.id;
    expect((await laptop.call('DELETE', `/api/v1/account/sessions/${bobsId}`)).status).toBe(404);
    expect((await sessionsOf(bob)).length).toBe(1);

    const ended = await laptop.call('DELETE', `/api/v1/account/sessions/${phoneSession.id}`);
    expect(ended.status).toBe(204);
    expect(revoked).toContain(phoneSession.id);
    expect((await phone.call<AccountSummary>('GET', '/api/v1/account')).status).toBe(401);
    expect((await laptop.call<AccountSummary>('GET', '/api/v1/account')).status).toBe(200);

    const own = (await sessionsOf(laptop))[0]!;
    expect((await laptop.call('DELETE', `/api/v1/account/sessions/${own.id}`)).status).toBe(204);
    expect(laptop.cookie).toBeNull();
  });

  it('signs out by revoking the session, which the socket layer hears about', async () => {
    const client = await signedUp(relay, 'carol', PASSWORD);
    const [session] = await sessionsOf(client);
    expect((await client.call('POST', '/api/v1/auth/logout')).status).toBe(204);
    expect(revoked).toEqual([session!.id]);
  });

  it('changes the password behind a fresh proof, ending every other session', async () => {
    const client = await signedUp(relay, 'dave', PASSWORD);
    const other = new AuthClient(relay);
    await other.login('dave', PASSWORD);
    const newPassword = 'an entirely new password';
    const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({
      password: newPassword,
    });
    const bare = await client.call<PasswordChangeStartReply>(
      'POST',
      '/api/v1/account/password/start',
      {
        registrationRequest,
      },
    );
    expect(bare.body.code).toBe('RELAY_ERR_STEP_UP');
    const reauth = await client.reauthWithPassword(PASSWORD);
    const start = await client.call<PasswordChangeStartReply>(
      'POST',
      '/api/v1/account/password/start',
      {
        registrationRequest,
        reauthToken: reauth.body.reauthToken,
      },
    );
    expect(start.status).toBe(200);
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState,
      registrationResponse: start.body.registrationResponse,
      password: newPassword,
      keyStretching: TEST_KEY_STRETCHING,
    });
    // The change token belongs to this session only.
    const elsewhere = await other.call('POST', '/api/v1/account/password/finish', {
      changeToken: start.body.changeToken,
      registrationRecord,
    });
    expect(elsewhere.status).toBe(403);
    const finish = await client.call('POST', '/api/v1/account/password/finish', {
      changeToken: start.body.changeToken,
      registrationRecord,
    });
    expect(finish.status).toBe(204);
    const again = await client.call('POST', '/api/v1/account/password/finish', {
      changeToken: start.body.changeToken,
      registrationRecord,
    });
    expect(again.status).toBe(403);

    expect((await other.call<AccountSummary>('GET', '/api/v1/account')).status).toBe(401);
    expect((await client.call<AccountSummary>('GET', '/api/v1/account')).status).toBe(200);
    expect((await new AuthClient(relay).login('dave', PASSWORD)).status).toBe(401);
    expect((await new AuthClient(relay).login('dave', newPassword)).status).toBe(200);
    const kinds = (
      await client.call<ActivityPageReply>('GET', '/api/v1/account/activity')
    ).body.entries.map((entry) => entry.kind);
    expect(kinds).toContain('password-changed');
  });

  it('replaces the key backup together with the password, or neither on a stale version', async () => {
    const client = await signedUp(relay, 'fay', PASSWORD);
    const put = await client.call('PUT', '/api/v1/account/key-backup', {
      backup: 'AAAA',
      expectedVersion: 0,
    });
    expect(put.status).toBe(200);
    const change = async (password: string, expectedVersion: number) => {
      const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({
        password,
      });
      const reauth = await client.reauthWithPassword(PASSWORD);
      const start = await client.call<PasswordChangeStartReply>(
        'POST',
        '/api/v1/account/password/start',
        { registrationRequest, reauthToken: reauth.body.reauthToken },
      );
      const { registrationRecord } = opaque.client.finishRegistration({
        clientRegistrationState,
        registrationResponse: start.body.registrationResponse,
        password,
        keyStretching: TEST_KEY_STRETCHING,
      });
      return client.call('POST', '/api/v1/account/password/finish', {
        changeToken: start.body.changeToken,
        registrationRecord,
        keyBackup: { backup: 'BBBB', expectedVersion },
      });
    };
    // A stale version: the whole change is refused, the old password and backup stay.
    const stale = await change('a stale attempt here', 0);
    expect(stale.body.code).toBe('RELAY_ERR_KEY_BACKUP_VERSION');
    expect((await new AuthClient(relay).login('fay', 'a stale attempt here')).status).toBe(401);
    expect((await client.call('GET', '/api/v1/account/key-backup')).body).toEqual({
      backup: 'AAAA',
      version: 1,
    });
    const done = await change('the password after', 1);
    expect(done.status).toBe(204);
    expect((await new AuthClient(relay).login('fay', 'the password after')).status).toBe(200);
    expect((await client.call('GET', '/api/v1/account/key-backup')).body).toEqual({
      backup: 'BBBB',
      version: 2,
    });
  });

  it('takes a current TOTP code as the proof for a password change', async () => {
    const client = await signedUp(relay, 'erin', PASSWORD);
    const { secret } = await enableTotp(client, PASSWORD);
    const { registrationRequest } = opaque.client.startRegistration({ password: 'next one' });
    const byPassword = await client.reauthWithPassword(PASSWORD);
    expect(byPassword.start.status).toBe(403);
    const start = await client.call<PasswordChangeStartReply>(
      'POST',
      '/api/v1/account/password/start',
      {
        registrationRequest,
        code: await freshTotpCode(relay, 'erin', secret),
      },
    );
    expect(start.status).toBe(200);
    expect(start.body.changeToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('deletes the account and every row it owned, and says so', async () => {
    const keep = await signedUp(relay, 'keeper', PASSWORD);
    const client = await signedUp(relay, 'frank', PASSWORD);
    const { secret } = await enableTotp(client, PASSWORD);
    await addPasskey(client, { code: await freshTotpCode(relay, 'frank', secret) });
    await new AuthClient(relay).login('frank', PASSWORD); // a pending second-factor login
    await client.call<PasskeyLoginChallengeReply>('POST', '/api/v1/account/reauth/passkey/options'); // a live challenge
    const accountId = (
      await relay.app.db
        .selectFrom('accounts')
        .select('id')
        .where('username', '=', 'frank')
        .executeTakeFirstOrThrow()
    ).id;
    const deleted: number[] = [];
    relay.app.accountEvents.on('deleted', (id) => deleted.push(id));

    expect((await client.call('DELETE', '/api/v1/account', {})).status).toBe(403);
    const answer = await client.call('DELETE', '/api/v1/account', {
      code: await freshTotpCode(relay, 'frank', secret),
    });
    expect(answer.status).toBe(204);
    expect(client.cookie).toBeNull();
    expect(deleted).toEqual([accountId]);
    expect(revoked.length).toBeGreaterThanOrEqual(1);

    const owned = [
      'recovery_codes',
      'passkeys',
      'webauthn_challenges',
      'pending_logins',
      'sessions',
      'activity_log',
    ] as const;
    for (const table of owned) {
      const rows = await relay.app.db
        .selectFrom(table)
        .select('account_id')
        .where('account_id', '=', accountId)
        .execute();
      expect(rows, table).toEqual([]);
    }
    expect(await relay.app.db.selectFrom('opaque_logins').selectAll().execute()).toEqual([]);
    expect((await keep.call<AccountSummary>('GET', '/api/v1/account')).status).toBe(200);
    // The name is free again.
    expect((await new AuthClient(relay).register('frank', 'fresh start')).status).toBe(200);
  });

  it('deletes an account without a second factor after a fresh password proof', async () => {
    const client = await signedUp(relay, 'gina', PASSWORD);
    const wrong = await client.reauthWithPassword('wrong password');
    expect(wrong.status).toBe(401);
    const reauth = await client.reauthWithPassword(PASSWORD);
    const answer = await client.call('DELETE', '/api/v1/account', {
      reauthToken: reauth.body.reauthToken,
    });
    expect(answer.status).toBe(204);
    expect(await relay.app.db.selectFrom('accounts').selectAll().execute()).toEqual([]);
  });

  it('pages through the activity log, newest first, without addresses', async () => {
    const client = await signedUp(relay, 'hank', PASSWORD);
    const { id } = await relay.app.db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', 'hank')
      .executeTakeFirstOrThrow();
    for (let i = 0; i < 6; i++) await relay.app.activity.record(id, 'device-added', `${i}`);
    const first = await client.call<ActivityPageReply>('GET', '/api/v1/account/activity?limit=3');
    expect(first.body.entries.map((e) => e.detail)).toEqual(['5', '4', '3']);
    expect(Object.keys(first.body.entries[0]!).sort()).toEqual(['at', 'detail', 'id', 'kind']);
    const second = await client.call<ActivityPageReply>(
      'GET',
      `/api/v1/account/activity?limit=3&before=${first.body.nextBefore}`,
    );
    expect(second.body.entries.map((e) => e.detail)).toEqual(['2', '1', '0']);
    const last = await client.call<ActivityPageReply>(
      'GET',
      `/api/v1/account/activity?limit=3&before=${second.body.nextBefore}`,
    );
    expect(last.body.entries).toHaveLength(1);
    expect(last.body.entries[0]).toMatchObject({ kind: 'account-created', detail: null });
    expect(last.body.nextBefore).toBeNull();
    expect(JSON.stringify([first.body, second.body, last.body])).not.toContain('127.0.0.1');
    expect(
      (await client.call<ActivityPageReply>('GET', '/api/v1/account/activity?limit=500')).status,
    ).toBe(400);
  });
});
