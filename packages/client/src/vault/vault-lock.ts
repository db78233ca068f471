// The vault's lock state: the vault key exists in memory only while unlocked. It is unwrapped from
// the password wrap (Argon2id; works offline) or a passkey PRF wrap, and forgotten on lock, on idle
// timeout, or when the app asks. Wrapped forms live in the `meta` table, usable only with a factor.
import {
  createVaultKey,
  unwrapVaultKeyWithPassword,
  unwrapVaultKeyWithSecret,
  wrapVaultKeyWithPassword,
  wrapVaultKeyWithSecret,
  type Argon2idParams,
  type Primitives,
  type SecretKey,
} from '@veil/protocol';
import { RowCodec } from '../store/row-codec';
import type { VeilDatabase } from '../store/veil-database';

const WRAPS_KEY = 'vault-wraps';

/** Wrapped copies of the vault key; each opens with one factor. */
export interface VaultWraps {
  /** Null for a passkey-only account, whose vault opens with a passkey's PRF output alone. */
  readonly password: Uint8Array | null;
  /** By passkey credential id (base64url): the key wrapped under that passkey's PRF output. */
  readonly passkeys: Readonly<Record<string, Uint8Array>>;
  /**
   * During a password change only: the wrap under the new password, kept beside the old one until
   * the relay has (or has not) accepted the new password. See `stagePassword`.
   */
  readonly stagedPassword?: Uint8Array;
}

export type VaultListener = (state: 'locked' | 'unlocked') => void;

/** The User Timing measure of each password unwrap (Argon2id at the vault's limits, then AEAD). */
export const VAULT_UNWRAP_MEASURE = 'veil:vault-password-unwrap';

export class VaultLock {
  private vaultKey: SecretKey | null = null;
  private codecValue: RowCodec | null = null;
  private readonly listeners = new Set<VaultListener>();

  constructor(
    private readonly p: Primitives,
    private readonly db: VeilDatabase,
    /** Only tests lower the Argon2id limits; the protocol refuses anything below INTERACTIVE. */
    private readonly argon2Params?: Argon2idParams,
  ) {}

  get unlocked(): boolean {
    return this.vaultKey !== null;
  }

  /** The row codec of the unlocked vault; throws when locked so nothing reads rows by accident. */
  get codec(): RowCodec {
    if (this.codecValue === null) throw new Error('VaultLock.codec: the vault is locked');
    return this.codecValue;
  }

  async exists(): Promise<boolean> {
    return (await this.db.meta.get(WRAPS_KEY)) !== undefined;
  }

  /** Creates the vault key on first use and wraps it with the password. */
  async create(password: string): Promise<void> {
    if (await this.exists())
      throw new Error('VaultLock.create: a vault already exists on this device');
    const vaultKey = createVaultKey(this.p);
    const wraps: VaultWraps = {
      password: wrapVaultKeyWithPassword(this.p, { vaultKey, password, ...this.paramsOption() }),
      passkeys: {},
    };
    await this.db.meta.put({ key: WRAPS_KEY, value: wraps });
    this.open(vaultKey);
  }

  /** Creates the vault key on first use and wraps it with a passkey's PRF output only. */
  async createWithPasskey(credentialId: string, prfSecret: Uint8Array): Promise<void> {
    if (await this.exists())
      throw new Error('VaultLock.createWithPasskey: a vault already exists on this device');
    const vaultKey = createVaultKey(this.p);
    const wraps: VaultWraps = {
      password: null,
      passkeys: {
        [credentialId]: wrapVaultKeyWithSecret(this.p, { vaultKey, secret: prfSecret }),
      },
    };
    await this.db.meta.put({ key: WRAPS_KEY, value: wraps });
    this.open(vaultKey);
  }

  /** Which factors open this vault: the credential ids of its passkeys, and whether a password does. */
  async factors(): Promise<{ password: boolean; passkeys: string[] }> {
    const wraps = await this.wraps();
    return { password: wraps.password !== null, passkeys: Object.keys(wraps.passkeys) };
  }

  /** Unlocks with the password; DECRYPT_FAILED (from the protocol) when it is wrong. */
  async unlockWithPassword(password: string): Promise<void> {
    const wraps = await this.wraps();
    this.open(this.unwrapPassword(wraps, password).vaultKey);
  }

  /** Unlocks with a passkey's PRF output (32 bytes) for the given credential. */
  async unlockWithPasskey(credentialId: string, prfSecret: Uint8Array): Promise<void> {
    const wrapped = (await this.wraps()).passkeys[credentialId];
    if (wrapped === undefined)
      throw new Error('VaultLock.unlockWithPasskey: this passkey does not open the vault');
    this.open(unwrapVaultKeyWithSecret(this.p, { wrapped, secret: prfSecret }));
  }

  /** Lets a passkey (with PRF) open the vault from now on. Requires the vault to be unlocked. */
  async addPasskey(credentialId: string, prfSecret: Uint8Array): Promise<void> {
    const vaultKey = this.requireKey('addPasskey');
    const wraps = await this.wraps();
    const wrapped = wrapVaultKeyWithSecret(this.p, { vaultKey, secret: prfSecret });
    await this.db.meta.put({
      key: WRAPS_KEY,
      value: { ...wraps, passkeys: { ...wraps.passkeys, [credentialId]: wrapped } },
    });
  }

  async removePasskey(credentialId: string): Promise<void> {
    const wraps = await this.wraps();
    const passkeys = Object.fromEntries(
      Object.entries(wraps.passkeys).filter(([id]) => id !== credentialId),
    );
    await this.db.meta.put({ key: WRAPS_KEY, value: { ...wraps, passkeys } });
  }

  /** Re-wraps under a new password (after a password change); the vault key itself is unchanged. */
  async changePassword(newPassword: string): Promise<void> {
    const vaultKey = this.requireKey('changePassword');
    const wraps = await this.wraps();
    const password = wrapVaultKeyWithPassword(this.p, {
      vaultKey,
      password: newPassword,
      ...this.paramsOption(),
    });
    await this.db.meta.put({ key: WRAPS_KEY, value: { ...wraps, password } });
  }

  /**
   * First half of a password change: wraps the vault key under the new password *beside* the old
   * wrap, so the vault opens with either while the relay's answer is outstanding. Then exactly one
   * of `commitStagedPassword` (the relay took the new password), `dropStagedPassword` (it refused),
   * or — when the answer was lost — `settlePassword` at the next relay sign-in.
   */
  async stagePassword(newPassword: string): Promise<void> {
    const vaultKey = this.requireKey('stagePassword');
    const wraps = await this.wraps();
    const stagedPassword = wrapVaultKeyWithPassword(this.p, {
      vaultKey,
      password: newPassword,
      ...this.paramsOption(),
    });
    await this.db.meta.put({ key: WRAPS_KEY, value: { ...wraps, stagedPassword } });
  }

  /** The new password is the relay's now: its wrap replaces the old one (one atomic row write). */
  async commitStagedPassword(): Promise<void> {
    const { stagedPassword, ...wraps } = await this.wraps();
    if (stagedPassword === undefined) return;
    await this.db.meta.put({ key: WRAPS_KEY, value: { ...wraps, password: stagedPassword } });
  }

  async dropStagedPassword(): Promise<void> {
    const { stagedPassword, ...wraps } = await this.wraps();
    if (stagedPassword === undefined) return;
    await this.db.meta.put({ key: WRAPS_KEY, value: wraps });
  }

  /** Whether a password change is still waiting to be settled. */
  async hasStagedPassword(): Promise<boolean> {
    return (await this.wraps()).stagedPassword !== undefined;
  }

  /**
   * After the relay accepted `password` at sign-in: whichever wrap it opens is the current one, so
   * a change whose outcome was lost resolves to what the relay actually holds.
   */
  async settlePassword(password: string): Promise<void> {
    const wraps = await this.wraps();
    if (wraps.stagedPassword === undefined) return;
    const { vaultKey, staged } = this.unwrapPassword(wraps, password);
    this.p.wipe(vaultKey);
    if (staged) await this.commitStagedPassword();
    else await this.dropStagedPassword();
  }

  lock(): void {
    if (this.vaultKey === null) return;
    this.p.wipe(this.vaultKey);
    this.vaultKey = null;
    this.codecValue = null;
    this.emit('locked');
  }

  onChange(listener: VaultListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private paramsOption(): { params?: Argon2idParams } {
    return this.argon2Params === undefined ? {} : { params: this.argon2Params };
  }

  private open(vaultKey: SecretKey): void {
    this.vaultKey = vaultKey;
    this.codecValue = new RowCodec(this.p, vaultKey);
    this.emit('unlocked');
  }

  /** Tries the current password wrap, then a staged one (a password change not yet settled). */
  private unwrapPassword(
    wraps: VaultWraps,
    password: string,
  ): { vaultKey: SecretKey; staged: boolean } {
    const began = performance.now();
    try {
      if (wraps.password === null) throw new Error('VaultLock: this vault has no password');
      return {
        vaultKey: unwrapVaultKeyWithPassword(this.p, { wrapped: wraps.password, password }),
        staged: false,
      };
    } catch (error) {
      if (wraps.stagedPassword === undefined) throw error;
      return {
        vaultKey: unwrapVaultKeyWithPassword(this.p, { wrapped: wraps.stagedPassword, password }),
        staged: true,
      };
    } finally {
      // A User Timing entry, so a cold start can be reported without the key derivation, whose
      // cost is chosen (docs/performance.md, figure 4).
      performance.measure(VAULT_UNWRAP_MEASURE, { start: began, end: performance.now() });
    }
  }

  private requireKey(context: string): SecretKey {
    if (this.vaultKey === null) throw new Error(`VaultLock.${context}: the vault is locked`);
    return this.vaultKey;
  }

  private async wraps(): Promise<VaultWraps> {
    const row = await this.db.meta.get(WRAPS_KEY);
    if (row === undefined) throw new Error('VaultLock: no vault on this device');
    return row.value as VaultWraps;
  }

  private emit(state: 'locked' | 'unlocked'): void {
    for (const listener of this.listeners) listener(state);
  }
}
