// The account and authentication services the auth and account routes share, as `app.auth`, plus
// `app.invites` (for the admin CLI too) and `app.accountEvents`, which announces a deleted account
// so the parts of the relay that keep files outside the database (blobs) can remove them.
import { EventEmitter } from 'node:events';
import type { AccountSummary } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RegistrationMode } from '../config';
import { RelayUnauthenticatedError } from '../errors';
import { Invites } from './invites';
import { Lockout } from './lockout';
import { Passkeys } from './passkeys';
import { PasswordLogin } from './password-login';
import { countRecoveryCodesLeft } from './recovery-codes';
import { StepUp } from './step-up';
import { Tickets } from './tickets';
import { TotpFactor } from './totp-factor';

export interface AccountEvents {
  /** After the account's rows are gone (foreign keys cascade); listeners clean up what is left. */
  deleted: [accountId: number];
}

export interface AuthServices {
  readonly registration: RegistrationMode;
  readonly lockout: Lockout;
  readonly passwordLogin: PasswordLogin;
  readonly totp: TotpFactor;
  readonly passkeys: Passkeys;
  readonly tickets: Tickets;
  readonly stepUp: StepUp;
  /** The account as its owner sees it (sign-in replies and `GET /api/v1/account`). */
  summary(accountId: number): Promise<AccountSummary>;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthServices;
    invites: Invites;
    accountEvents: EventEmitter<AccountEvents>;
  }
}

export interface AuthServicesOptions {
  readonly registration: RegistrationMode;
  readonly rpId: string;
  readonly allowedOrigins: readonly string[];
}

async function authServices(app: FastifyInstance, options: AuthServicesOptions): Promise<void> {
  const lockout = new Lockout(app.db, app.activity);
  const totp = new TotpFactor(app.db, app.relayKeys);
  const tickets = new Tickets(app.db);
  const passkeys = new Passkeys(app.db, { rpId: options.rpId, origins: options.allowedOrigins });
  const services: AuthServices = {
    registration: options.registration,
    lockout,
    passwordLogin: new PasswordLogin(app.db, app.relayKeys, lockout, app.activity),
    totp,
    passkeys,
    tickets,
    stepUp: new StepUp(app.db, totp, tickets, lockout, app.activity),
    async summary(accountId) {
      const account = await app.db
        .selectFrom('accounts')
        .leftJoin('password_records', 'password_records.account_id', 'accounts.id')
        .select(['username', 'created_at', 'totp_enabled', 'password_records.account_id as pw'])
        .where('id', '=', accountId)
        .executeTakeFirst();
      if (account === undefined) throw new RelayUnauthenticatedError();
      return {
        username: account.username,
        createdAt: account.created_at,
        passwordSet: account.pw !== null,
        totpEnabled: account.totp_enabled === 1,
        passkeyCount: await passkeys.count(accountId),
        recoveryCodesLeft: await countRecoveryCodesLeft(app.db, accountId),
      };
    },
  };
  app.decorate('auth', services);
  app.decorate('invites', new Invites(app.db));
  app.decorate('accountEvents', new EventEmitter<AccountEvents>());
}

export default fp(authServices, {
  name: 'auth',
  dependencies: ['database', 'relay-keys', 'sessions', 'activity'],
});
