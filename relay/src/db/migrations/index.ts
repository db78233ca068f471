// Every migration, in order. Listed by hand (not read from disk) so bundling and tsx behave alike.
import type { Migration } from 'kysely';
import * as initial from './0001-initial';
import * as submissions from './0002-submissions';
import * as passkeyAccounts from './0003-passkey-accounts';
import * as directoryVersion from './0004-directory-version';

export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-submissions': submissions,
  '0003-passkey-accounts': passkeyAccounts,
  '0004-directory-version': directoryVersion,
};
