// Passkeys with @simplewebauthn/server: registration (user verification required, attestation
// 'none', resident key required so the passkey can sign in by itself) on an account or as the
// account's only factor at sign-up, discoverable sign-in and re-authentication assertions. rpID and the accepted origins come from the relay's config.
// A credential belongs to exactly one account; its signature counter is checked and stored in
// the transaction that consumes the challenge, so a cloned authenticator or a replay shows up.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type {
  PasskeyAssertion,
  PasskeyAttestation,
  PasskeyCreationOptions,
  PasskeyRequestOptions,
  PasskeySummary,
} from '@veil/wire';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import {
  RelayPasskeyExistsError,
  RelayPasskeyNotFoundError,
  RelayPasskeyRegistrationError,
} from '../errors';
import { randomBytes } from 'node:crypto';
import {
  newChallenge,
  storeChallenge,
  takeChallenge,
  takeSignupChallenge,
} from './webauthn-challenges';

export const RP_NAME = 'Veil';
/** EdDSA, ES256, RS256: what platform authenticators and security keys actually use. */
const ALGORITHMS = [-8, -7, -257];
const DEFAULT_PASSKEY_NAME = 'Passkey';

export interface PasskeyConfig {
  readonly rpId: string;
  readonly origins: readonly string[];
}

/** A verified new credential, not stored yet. */
export interface NewPasskey {
  readonly id: string;
  readonly publicKey: Uint8Array;
  readonly counter: number;
  readonly transports: readonly string[] | undefined;
  readonly backedUp: boolean;
}

/**
 * The WebAuthn user handle of accounts made before migration 0003: the account id, 8 bytes
 * big-endian. Newer accounts have a random 16-byte handle in `accounts.webauthn_user_id`.
 */
export function userHandle(accountId: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(accountId));
  return bytes;
}

export class Passkeys {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly config: PasskeyConfig,
  ) {}

  async list(accountId: number): Promise<PasskeySummary[]> {
    const rows = await this.db
      .selectFrom('passkeys')
      .select(['id', 'name', 'created_at', 'last_used_at', 'backed_up'])
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      backedUp: row.backed_up === 1,
    }));
  }

  async registrationOptions(account: {
    id: number;
    username: string;
  }): Promise<{ challengeId: string; options: PasskeyCreationOptions }> {
    const existing = await this.db
      .selectFrom('passkeys')
      .select(['id', 'transports'])
      .where('account_id', '=', account.id)
      .execute();
    const options = await generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: this.config.rpId,
      userName: account.username,
      userID: (await this.handleOf(account.id)) as Uint8Array<ArrayBuffer>,
      challenge: newChallenge(),
      attestationType: 'none',
      excludeCredentials: existing.map((row) => ({
        id: row.id,
        ...(row.transports === null ? {} : { transports: JSON.parse(row.transports) as string[] }),
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: ALGORITHMS,
    });
    const challengeId = await storeChallenge(this.db, {
      purpose: 'register',
      accountId: account.id,
      challenge: options.challenge,
    });
    // The wire schema describes what the library emits (and the route's response schema checks it).
    return { challengeId, options: options as PasskeyCreationOptions };
  }

  async register(options: {
    accountId: number;
    challengeId: string;
    response: PasskeyAttestation;
    name: string | undefined;
  }): Promise<PasskeySummary> {
    const challenge = await takeChallenge(this.db, {
      id: options.challengeId,
      purpose: 'register',
      accountId: options.accountId,
    });
    if (challenge === null) throw new RelayPasskeyRegistrationError();
    const passkey = await this.verifyNew(challenge, options.response);
    return this.store(this.db, { accountId: options.accountId, name: options.name, passkey });
  }

  /** Creation options for a passkey that will be a new account's only factor. */
  async signupOptions(
    username: string,
  ): Promise<{ challengeId: string; options: PasskeyCreationOptions }> {
    const handle = randomBytes(16);
    const options = await generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: this.config.rpId,
      userName: username,
      userID: handle,
      challenge: newChallenge(),
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: ALGORITHMS,
    });
    const challengeId = await storeChallenge(this.db, {
      purpose: 'signup',
      accountId: null,
      challenge: options.challenge,
      signup: { username, userHandle: handle },
    });
    return { challengeId, options: options as PasskeyCreationOptions };
  }

  /**
   * Verifies a sign-up passkey against its challenge, which must have been issued for `username`.
   * Returns what the caller stores (with `store`) in the transaction that creates the account.
   */
  async verifySignup(options: {
    challengeId: string;
    username: string;
    response: PasskeyAttestation;
  }): Promise<{ userHandle: Uint8Array; passkey: NewPasskey }> {
    const taken = await takeSignupChallenge(this.db, options.challengeId);
    if (taken === null || taken.signup.username !== options.username) {
      throw new RelayPasskeyRegistrationError();
    }
    const passkey = await this.verifyNew(taken.challenge, options.response);
    return { userHandle: taken.signup.userHandle, passkey };
  }

  /** Stores a verified credential on an account; a credential id already stored is refused. */
  async store(
    db: Kysely<Database>,
    options: { accountId: number; name: string | undefined; passkey: NewPasskey },
  ): Promise<PasskeySummary> {
    const { passkey } = options;
    const now = Date.now();
    const summary: PasskeySummary = {
      id: passkey.id,
      name: options.name ?? DEFAULT_PASSKEY_NAME,
      createdAt: now,
      lastUsedAt: null,
      backedUp: passkey.backedUp,
    };
    const inserted = await db
      .insertInto('passkeys')
      .values({
        id: passkey.id,
        account_id: options.accountId,
        public_key: passkey.publicKey,
        counter: passkey.counter,
        transports: passkey.transports === undefined ? null : JSON.stringify(passkey.transports),
        name: summary.name,
        backed_up: passkey.backedUp ? 1 : 0,
        created_at: now,
        last_used_at: null,
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows !== 1n) throw new RelayPasskeyExistsError();
    return summary;
  }

  private async verifyNew(challenge: string, response: PasskeyAttestation): Promise<NewPasskey> {
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        // Only the shape was checked at the route; the library checks every value.
        response: response as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: [...this.config.origins],
        expectedRPID: this.config.rpId,
        requireUserVerification: true,
        supportedAlgorithmIDs: ALGORITHMS,
      });
    } catch {
      throw new RelayPasskeyRegistrationError();
    }
    if (!verified.verified) throw new RelayPasskeyRegistrationError();
    const { credential, credentialBackedUp } = verified.registrationInfo;
    return {
      id: credential.id,
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: response.response.transports ?? credential.transports,
      backedUp: credentialBackedUp,
    };
  }

  private async handleOf(accountId: number): Promise<Uint8Array> {
    const row = await this.db
      .selectFrom('accounts')
      .select('webauthn_user_id')
      .where('id', '=', accountId)
      .executeTakeFirst();
    return row?.webauthn_user_id ?? userHandle(accountId);
  }

  /** Sign-in is discoverable (no allowCredentials); re-auth lists the account's own passkeys. */
  async assertionOptions(
    purpose: { kind: 'login' } | { kind: 'reauth'; accountId: number },
  ): Promise<{ challengeId: string; options: PasskeyRequestOptions }> {
    const accountId = purpose.kind === 'reauth' ? purpose.accountId : null;
    const allowCredentials =
      accountId === null
        ? undefined
        : (
            await this.db
              .selectFrom('passkeys')
              .select(['id', 'transports'])
              .where('account_id', '=', accountId)
              .execute()
          ).map((row) => ({
            id: row.id,
            ...(row.transports === null
              ? {}
              : { transports: JSON.parse(row.transports) as string[] }),
          }));
    const options = await generateAuthenticationOptions({
      rpID: this.config.rpId,
      challenge: newChallenge(),
      userVerification: 'required',
      ...(allowCredentials === undefined ? {} : { allowCredentials }),
    });
    const challengeId = await storeChallenge(this.db, {
      purpose: purpose.kind,
      accountId,
      challenge: options.challenge,
    });
    return { challengeId, options: options as PasskeyRequestOptions };
  }

  /**
   * Verifies an assertion; returns the account it proves, or null. The challenge is consumed and
   * the new counter stored in one transaction; a refusal still consumes the challenge.
   */
  async verifyAssertion(options: {
    challengeId: string;
    response: PasskeyAssertion;
    purpose: { kind: 'login' } | { kind: 'reauth'; accountId: number };
  }): Promise<number | null> {
    const accountId = options.purpose.kind === 'reauth' ? options.purpose.accountId : null;
    return this.db.transaction().execute(async (trx) => {
      const challenge = await takeChallenge(trx, {
        id: options.challengeId,
        purpose: options.purpose.kind,
        accountId,
      });
      if (challenge === null) return null;
      const passkey = await trx
        .selectFrom('passkeys')
        .innerJoin('accounts', 'accounts.id', 'passkeys.account_id')
        .select([
          'passkeys.id',
          'passkeys.account_id',
          'public_key',
          'counter',
          'transports',
          'accounts.webauthn_user_id',
        ])
        .where('passkeys.id', '=', options.response.id)
        .where('accounts.status', '=', 'active')
        .executeTakeFirst();
      if (passkey === undefined) return null;
      // Another account's credential proves nothing about this one.
      if (accountId !== null && passkey.account_id !== accountId) return null;
      const handle = options.response.response.userHandle;
      const expectedHandle = Buffer.from(
        passkey.webauthn_user_id ?? userHandle(passkey.account_id),
      ).toString('base64url');
      if (handle !== undefined && handle !== '' && handle !== expectedHandle) return null;
      let newCounter: number;
      let backedUp: boolean;
      try {
        const verified = await verifyAuthenticationResponse({
          response: options.response as AuthenticationResponseJSON,
          expectedChallenge: challenge,
          expectedOrigin: [...this.config.origins],
          expectedRPID: this.config.rpId,
          credential: {
            id: passkey.id,
            publicKey: passkey.public_key as Uint8Array<ArrayBuffer>,
            counter: passkey.counter,
          },
          requireUserVerification: true,
        });
        if (!verified.verified) return null;
        newCounter = verified.authenticationInfo.newCounter;
        backedUp = verified.authenticationInfo.credentialBackedUp;
      } catch {
        return null;
      }
      // The library compared counters already; the WHERE makes it hold against a concurrent use.
      const stored = await trx
        .updateTable('passkeys')
        .set({ counter: newCounter, last_used_at: Date.now(), backed_up: backedUp ? 1 : 0 })
        .where('id', '=', passkey.id)
        .where('counter', '=', passkey.counter)
        // Counters must grow, except for authenticators that keep them at zero.
        .where('counter', newCounter === 0 ? '=' : '<', newCounter)
        .executeTakeFirst();
      return stored.numUpdatedRows === 1n ? passkey.account_id : null;
    });
  }

  async rename(accountId: number, id: string, name: string): Promise<void> {
    const result = await this.db
      .updateTable('passkeys')
      .set({ name })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) throw new RelayPasskeyNotFoundError();
  }

  async remove(accountId: number, id: string): Promise<void> {
    const result = await this.db
      .deleteFrom('passkeys')
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numDeletedRows !== 1n) throw new RelayPasskeyNotFoundError();
  }

  async count(accountId: number): Promise<number> {
    const row = await this.db
      .selectFrom('passkeys')
      .select((eb) => eb.fn.countAll<number | bigint | string>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
