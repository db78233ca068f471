// Sign-up and password sign-in with OPAQUE, two round trips each. Unknown usernames get an answer
// of the same shape, status and work as known ones (OPAQUE's fake record), so the routes reveal
// neither which accounts exist nor whether a password was close.
import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  LoginFinishBodySchema,
  LoginStartBodySchema,
  LoginStartReplySchema,
  RegisterFinishBodySchema,
  RegisterStartBodySchema,
  RegisterStartReplySchema,
  SignedInReplySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { isLocked, lockDuration } from '../../auth/lockout';
import { opaqueServer } from '../../auth/opaque';
import { normalizeUsername } from '../../auth/usernames';
import type { RegistrationMode } from '../../config';
import {
  RelayRegistrationClosedError,
  RelayInvalidCredentialsError,
  RelayUsernameTakenError,
} from '../../errors';

const LOGIN_STATE_TTL_MS = 2 * 60_000;
/** Sign-in and sign-up are where guessing happens: far below the global budget. */
const AUTH_RATE_LIMIT = { max: 20, timeWindow: '1 minute' } as const;

export interface PasswordAuthOptions {
  readonly registration: RegistrationMode;
}

export default async function passwordAuthRoutes(
  fastify: FastifyInstance,
  options: PasswordAuthOptions,
): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const server = await opaqueServer();
  const serverSetup = app.relayKeys.opaqueServerSetup;

  const checkRegistrationOpen = (): void => {
    // Invite codes arrive with the invites work; until then 'invite' is as closed as 'closed'.
    if (options.registration !== 'open') throw new RelayRegistrationClosedError();
  };

  app.post(
    '/api/v1/auth/register/start',
    {
      schema: { body: RegisterStartBodySchema, response: { 200: RegisterStartReplySchema } },
      config: { rateLimit: AUTH_RATE_LIMIT },
    },
    async (request) => {
      checkRegistrationOpen();
      const username = normalizeUsername(request.body.username);
      const { registrationResponse } = server.createRegistrationResponse({
        serverSetup,
        userIdentifier: username,
        registrationRequest: request.body.registrationRequest,
      });
      return { registrationResponse };
    },
  );

  app.post(
    '/api/v1/auth/register/finish',
    {
      schema: { body: RegisterFinishBodySchema, response: { 200: SignedInReplySchema } },
      config: { rateLimit: AUTH_RATE_LIMIT },
    },
    async (request, reply) => {
      checkRegistrationOpen();
      const username = normalizeUsername(request.body.username);
      const createdAt = Date.now();
      const inserted = await app.db
        .insertInto('accounts')
        .values({ username, opaque_record: request.body.registrationRecord, created_at: createdAt })
        .onConflict((conflict) => conflict.column('username').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted === undefined) throw new RelayUsernameTakenError();
      await app.sessions.start(request, reply, { accountId: inserted.id, method: 'password' });
      await app.db
        .insertInto('activity_log')
        .values({ account_id: inserted.id, at: createdAt, kind: 'account-created', detail: null })
        .execute();
      return { status: 'signed-in' as const, account: { username, createdAt } };
    },
  );

  app.post(
    '/api/v1/auth/login/start',
    {
      schema: { body: LoginStartBodySchema, response: { 200: LoginStartReplySchema } },
      config: { rateLimit: AUTH_RATE_LIMIT },
    },
    async (request) => {
      const username = normalizeUsername(request.body.username);
      const account = await app.db
        .selectFrom('accounts')
        .select(['opaque_record', 'status'])
        .where('username', '=', username)
        .executeTakeFirst();
      const record = account?.status === 'active' ? account.opaque_record : null;
      const { serverLoginState, loginResponse } = server.startLogin({
        serverSetup,
        userIdentifier: username,
        registrationRecord: record,
        startLoginRequest: request.body.startLoginRequest,
      });
      const loginId = randomBytes(18).toString('base64url');
      await app.db
        .insertInto('opaque_logins')
        .values({
          id: loginId,
          username,
          server_state: app.relayKeys.seal(
            Buffer.from(serverLoginState),
            `opaque-login:${loginId}`,
          ),
          expires_at: Date.now() + LOGIN_STATE_TTL_MS,
        })
        .execute();
      return { loginId, loginResponse };
    },
  );

  app.post(
    '/api/v1/auth/login/finish',
    {
      schema: { body: LoginFinishBodySchema, response: { 200: SignedInReplySchema } },
      config: { rateLimit: AUTH_RATE_LIMIT },
    },
    async (request, reply) => {
      const now = Date.now();
      // Single use: the state is deleted as it is read, whatever happens next.
      const login = await app.db
        .deleteFrom('opaque_logins')
        .where('id', '=', request.body.loginId)
        .where('expires_at', '>', now)
        .returning(['username', 'server_state'])
        .executeTakeFirst();
      if (login === undefined) throw new RelayInvalidCredentialsError();
      const account = await app.db
        .selectFrom('accounts')
        .select(['id', 'created_at', 'failed_logins', 'locked_until', 'status'])
        .where('username', '=', login.username)
        .executeTakeFirst();
      let verified = false;
      try {
        const serverLoginState = Buffer.from(
          app.relayKeys.open(login.server_state, `opaque-login:${request.body.loginId}`),
        ).toString();
        server.finishLogin({
          serverLoginState,
          finishLoginRequest: request.body.finishLoginRequest,
        });
        verified = true;
      } catch {
        // A wrong password: answered below exactly like every other refusal.
      }
      if (account === undefined || account.status !== 'active')
        throw new RelayInvalidCredentialsError();
      if (isLocked(account.locked_until, now) || !verified) {
        if (!isLocked(account.locked_until, now)) {
          const failures = account.failed_logins + 1;
          const lock = lockDuration(failures);
          await app.db
            .updateTable('accounts')
            .set({ failed_logins: failures, locked_until: lock > 0 ? now + lock : null })
            .where('id', '=', account.id)
            .execute();
          await app.db
            .insertInto('activity_log')
            .values({
              account_id: account.id,
              at: now,
              kind: lock > 0 ? 'locked' : 'sign-in-failed',
              detail: 'password',
            })
            .execute();
        }
        throw new RelayInvalidCredentialsError();
      }
      await app.db
        .updateTable('accounts')
        .set({ failed_logins: 0, locked_until: null })
        .where('id', '=', account.id)
        .execute();
      await app.sessions.start(request, reply, { accountId: account.id, method: 'password' });
      await app.db
        .insertInto('activity_log')
        .values({ account_id: account.id, at: now, kind: 'sign-in', detail: 'password' })
        .execute();
      return {
        status: 'signed-in' as const,
        account: { username: login.username, createdAt: account.created_at },
      };
    },
  );
}
