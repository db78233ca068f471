// This device's long-term secrets and prekeys, kept vault-encrypted in the `secrets` table: the
// account identity (shared by the account's devices), this device's keys, the signed prekey, and
// the one-time X25519 and ML-KEM prekeys, whose secrets are deleted once a session start used them.
import {
  certifyDevice,
  createDeviceKeys,
  generateOneTimePrekeys,
  generatePqPrekeys,
  generateSignedPrekey,
  prekeysToRefill,
  PREKEY_POLICY,
  type AccountIdentity,
  type DeviceCertificate,
  type DeviceKeys,
  type MlKemKeyPair,
  type OneTimePrekey,
  type PqPrekey,
  type PrekeyLookup,
  type PrekeySecret,
  type Primitives,
  type SignedPrekey,
  type X25519KeyPair,
} from '@veil/protocol';
import type { VeilDatabase } from '../store/veil-database';
import type { VaultLock } from '../vault/vault-lock';

interface IdentityRecord {
  readonly account: AccountIdentity;
  readonly device: DeviceKeys;
  readonly certificate: DeviceCertificate;
  /** Next ids to hand out, so ids never repeat on this device. */
  readonly nextPrekeyId: number;
  readonly signedPrekeyCreatedAt: number;
}

type PrekeyKind = 'signed' | 'x25519' | 'mlkem';

interface PrekeyRecord {
  readonly kind: PrekeyKind;
  readonly id: number;
  readonly lastResort: boolean;
  readonly keyPair: X25519KeyPair | MlKemKeyPair;
}

/** What the relay needs to publish: public halves only. */
export interface PrekeyUpload {
  readonly signedPrekey?: SignedPrekey;
  readonly lastResortPqPrekey?: PqPrekey;
  readonly oneTimePrekeys: readonly OneTimePrekey[];
  readonly oneTimePqPrekeys: readonly PqPrekey[];
}

const IDENTITY_ID = 'identity';
const prekeyRowId = (kind: PrekeyKind, id: number): string => `prekey:${kind}:${id}`;

export class KeyStore {
  /** Prekey secrets, loaded at unlock so session starts can be answered synchronously. */
  private readonly cache = new Map<string, PrekeyRecord>();
  private identityCache: IdentityRecord | null = null;

  constructor(
    private readonly p: Primitives,
    private readonly db: VeilDatabase,
    private readonly vault: VaultLock,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sets up a new device: stores the identity and generates every prekey. Returns the upload. */
  async initialise(options: {
    account: AccountIdentity;
    deviceId: number;
    device?: DeviceKeys;
  }): Promise<PrekeyUpload> {
    const device = options.device ?? createDeviceKeys(this.p, options.deviceId);
    const certificate = certifyDevice(this.p, { account: options.account, device });
    const identity: IdentityRecord = {
      account: options.account,
      device,
      certificate,
      nextPrekeyId: 1,
      signedPrekeyCreatedAt: this.now(),
    };
    await this.saveIdentity(identity);
    const signed = await this.rotateSignedPrekey();
    const lastResort = await this.generatePq({ count: 1, lastResort: true });
    const refill = await this.refill(0);
    return { ...refill, signedPrekey: signed, lastResortPqPrekey: lastResort[0]! };
  }

  async identity(): Promise<IdentityRecord> {
    if (this.identityCache !== null) return this.identityCache;
    const row = await this.db.secrets.get(IDENTITY_ID);
    if (row === undefined) throw new Error('KeyStore.identity: this device has no keys yet');
    this.identityCache = this.vault.codec.open('secrets', IDENTITY_ID, row.body) as IdentityRecord;
    return this.identityCache;
  }

  /** Loads prekey secrets into memory (after unlock). */
  async load(): Promise<void> {
    this.cache.clear();
    const rows = await this.db.secrets.where('id').startsWith('prekey:').toArray();
    for (const row of rows) {
      const record = this.vault.codec.open('secrets', row.id, row.body) as PrekeyRecord;
      this.cache.set(row.id, record);
    }
  }

  /** Synchronous lookup for acceptSession; uses what load() and generation put in memory. */
  get lookup(): PrekeyLookup {
    const find = (kind: PrekeyKind, id: number): PrekeyRecord | undefined =>
      this.cache.get(prekeyRowId(kind, id));
    return {
      signedPrekey: (id) => find('signed', id) as PrekeySecret<X25519KeyPair> | undefined,
      oneTimePrekey: (id) => find('x25519', id) as PrekeySecret<X25519KeyPair> | undefined,
      pqPrekey: (id) =>
        find('mlkem', id) as (PrekeySecret<MlKemKeyPair> & { lastResort: boolean }) | undefined,
    };
  }

  /** Deletes one-time prekeys a session start consumed, so a replayed start finds them gone. */
  async consume(consumed: {
    oneTimePrekeyId: number | null;
    pqPrekeyId: number | null;
  }): Promise<void> {
    const ids: string[] = [];
    if (consumed.oneTimePrekeyId !== null)
      ids.push(prekeyRowId('x25519', consumed.oneTimePrekeyId));
    if (consumed.pqPrekeyId !== null) ids.push(prekeyRowId('mlkem', consumed.pqPrekeyId));
    for (const id of ids) this.cache.delete(id);
    await this.db.secrets.bulkDelete(ids);
  }

  /** Tops one-time prekeys up to the target when the relay reports fewer than the threshold. */
  async refill(remaining: number): Promise<PrekeyUpload> {
    const count = prekeysToRefill(remaining);
    if (count === 0) return { oneTimePrekeys: [], oneTimePqPrekeys: [] };
    const identity = await this.identity();
    const firstId = identity.nextPrekeyId;
    const x25519 = generateOneTimePrekeys(this.p, { firstId, count });
    const pq = generatePqPrekeys(this.p, {
      device: identity.device,
      firstId,
      count,
      lastResort: false,
    });
    await this.saveIdentity({ ...identity, nextPrekeyId: firstId + count });
    await this.savePrekeys([
      ...x25519.secrets.map((s) => ({
        kind: 'x25519' as const,
        id: s.id,
        lastResort: false,
        keyPair: s.keyPair,
      })),
      ...pq.secrets.map((s) => ({
        kind: 'mlkem' as const,
        id: s.id,
        lastResort: false,
        keyPair: s.keyPair,
      })),
    ]);
    return { oneTimePrekeys: x25519.prekeys, oneTimePqPrekeys: pq.prekeys };
  }

  /** A new signed prekey (weekly). The previous one stays for in-flight session starts. */
  async rotateSignedPrekey(): Promise<SignedPrekey> {
    const identity = await this.identity();
    const { prekey, secret } = generateSignedPrekey(this.p, {
      device: identity.device,
      id: identity.nextPrekeyId,
    });
    await this.saveIdentity({
      ...identity,
      nextPrekeyId: identity.nextPrekeyId + 1,
      signedPrekeyCreatedAt: this.now(),
    });
    await this.savePrekeys([
      { kind: 'signed', id: secret.id, lastResort: false, keyPair: secret.keyPair },
    ]);
    return prekey;
  }

  static readonly policy = PREKEY_POLICY;

  private async generatePq(options: { count: number; lastResort: boolean }): Promise<PqPrekey[]> {
    const identity = await this.identity();
    const { prekeys, secrets } = generatePqPrekeys(this.p, {
      device: identity.device,
      firstId: identity.nextPrekeyId,
      count: options.count,
      lastResort: options.lastResort,
    });
    await this.saveIdentity({ ...identity, nextPrekeyId: identity.nextPrekeyId + options.count });
    await this.savePrekeys(
      secrets.map((s) => ({
        kind: 'mlkem' as const,
        id: s.id,
        lastResort: options.lastResort,
        keyPair: s.keyPair,
      })),
    );
    return prekeys;
  }

  private async saveIdentity(identity: IdentityRecord): Promise<void> {
    this.identityCache = identity;
    await this.db.secrets.put({
      id: IDENTITY_ID,
      body: this.vault.codec.seal('secrets', IDENTITY_ID, identity),
    });
  }

  private async savePrekeys(records: readonly PrekeyRecord[]): Promise<void> {
    const rows = records.map((record) => {
      const id = prekeyRowId(record.kind, record.id);
      this.cache.set(id, record);
      return { id, body: this.vault.codec.seal('secrets', id, record) };
    });
    await this.db.secrets.bulkPut(rows);
  }
}
