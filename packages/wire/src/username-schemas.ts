// The username schemas of request and reply bodies, built from the rule in usernames.ts.
import Type from 'typebox';
import { ACCOUNT_ID_CHARACTERS, USERNAME_LENGTH } from './usernames';

/** 3–32 of a–z, 0–9, `_`, `.`, `-`; the relay lower-cases it, so `Alice` and `alice` are one name. */
export const UsernameSchema = Type.String({
  ...USERNAME_LENGTH,
  pattern: `^[A-Z${ACCOUNT_ID_CHARACTERS}]+$`,
});

/** A username as the relay stores and hands it out (lower-cased): an account id. */
export const AccountIdSchema = Type.String({
  ...USERNAME_LENGTH,
  pattern: `^[${ACCOUNT_ID_CHARACTERS}]+$`,
});
