// What a username is, in one place: as a person types it (sign-up, sign-in, addressing a contact)
// and as the relay stores and hands it out (lower-cased: the protocol's account id, which must be
// stable). Both forms come from the constants below, so the two cannot drift apart; a client checks
// an account id it was handed by someone else (an invite link's admins) with `isAccountId`. The
// TypeBox schemas built from them are in username-schemas.ts: this file imports no TypeBox, so the
// PWA, which only needs `isAccountId`, does not bundle it.

/** How long a username is, in characters (all of them ASCII, so in bytes too). */
export const USERNAME_LENGTH = { minLength: 3, maxLength: 32 } as const;

/** The characters of a stored username (a regular-expression class body): a–z, 0–9, `_.-`. */
export const ACCOUNT_ID_CHARACTERS = 'a-z0-9_.-';

// A plain RegExp rather than a compiled TypeBox checker: the PWA's CSP refuses the `Function`
// a compiled checker is built with, and this one rule needs nothing more.
const ACCOUNT_ID = new RegExp(
  `^[${ACCOUNT_ID_CHARACTERS}]{${USERNAME_LENGTH.minLength},${USERNAME_LENGTH.maxLength}}$`,
);

/** Whether `value` is an account id as the relay hands it out (AccountIdSchema, checked). */
export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}
