// This account's own profile, one vault-encrypted row in the `profile` table. It is sensitive like
// everything else here (a name and a face), so it is sealed like contacts and messages, not kept in
// the plain `meta` table.
import type { VaultLock } from '../vault/vault-lock';
import type { VeilDatabase } from '../store/veil-database';
import type { Profile } from './profile';

/** The one row's id; nothing secret about it (the row's AD binds it anyway). */
const OWN_ID = 'own';

export class OwnProfileStore {
  constructor(
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
  ) {}

  async get(): Promise<Profile | undefined> {
    const row = await this.db.profile.get(OWN_ID);
    return row && (this.vault.codec.open('profile', OWN_ID, row.body) as Profile);
  }

  async put(profile: Profile): Promise<void> {
    await this.db.profile.put({
      id: OWN_ID,
      body: this.vault.codec.seal('profile', OWN_ID, profile),
    });
  }
}
