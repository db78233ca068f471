// One Veil installation (a browser profile, or a test's fake IndexedDB): the facade the PWA and the
// benchmarks use. `create` signs up and sets the device up from nothing — vault, keys, signed device
// list, registration; `open` unlocks an existing one offline, and `signIn` re-binds a fresh relay
// session to it by proving the device key. `addToAccount` makes this browser another, equal device
// of an existing account (password + second factor, or a passkey, open the account-key backup).
// `startLink` and `linkDevice` do the same from a signed-in device, by QR code. `sync` keeps the
// account's devices in step (contacts, history transfers). Everything else is the pieces it wires
// together.
import {
  accountPublic,
  createAccountIdentity,
  PREKEY_POLICY,
  decodeDeviceList,
  safetyNumber,
  safetyNumberQr,
  concatBytes,
  signDeviceList,
  utf8,
  type AccountIdentity,
  type Argon2idParams,
  type Ed25519PublicKey,
  type Primitives,
} from '@veil/protocol';
import { ContactBook } from './contacts/contact-book';
import { addToAccount, type AddDeviceOptions } from './devices/add-to-account';
import { exportKeyFactor, publishAccountBackup } from './devices/account-backup';
import { DeviceListSync } from './devices/device-list-sync';
import { DeviceManager } from './devices/device-manager';
import { ExistingDeviceLink } from './devices/link-existing-device';
import { NewDeviceLink } from './devices/link-new-device';
import { OwnDeviceList } from './devices/own-device-list';
import { exportHistoryBackup } from './devices/history-backup-export';
import { restoreHistoryBackup, type HistoryRestoreResult } from './devices/history-backup-import';
import { OwnDeviceSync } from './devices/sync-own-devices';
import { KeyStore } from './keys/key-store';
import type { ChatMessage } from './messaging/chat-message';
import { EnvelopeCipher } from './messaging/envelope-cipher';
import { GroupMessenger } from './groups/group-messenger';
import { Messenger, type MessengerEvent, type PrivacyDeps } from './messaging/messenger';
import { Disappearing } from './messaging/disappearing';
import { Typing } from './messaging/typing';
import { SettingsStore } from './settings/settings-store';
import { Attachments } from './attachments/attachments';
import {
  BrowserAttachmentCache,
  MemoryAttachmentCache,
  type AttachmentCache,
} from './attachments/attachment-cache';
import { Outbox } from './messaging/outbox';
import { OwnProfileStore } from './profile/own-profile-store';
import { assertSendable, type Profile, type ProfileInput } from './profile/profile';
import { SessionStore } from './messaging/session-store';
import { AccountApi, type StepUpProof } from './relay/account-api';
import { relayOutboxTransport } from './relay/outbox-transport';
import {
  completeSecondFactor,
  signIn,
  signOut,
  signUp,
  type KeyStretching,
  type SignInResult,
} from './relay/password-auth';
import {
  evaluatePasskeyPrf,
  PASSKEY_PRF_SALT,
  PasskeyPrfUnsupportedError,
  prfOf,
  signInWithPasskey,
  signUpWithPasskey,
  withoutExtensionResults,
  type PasskeyAuthenticator,
} from './relay/passkey-auth';
import { RelayApi } from './relay/relay-api';
import { MessageSearch } from './search/message-search';
import type { RelayHttp } from './relay/relay-http';
import { ConversationStore } from './store/conversation-store';
import { MessageStore } from './store/message-store';
import type { VeilDatabase } from './store/veil-database';
import { VaultLock } from './vault/vault-lock';

/** What the relay's device-claim signature covers (relay/src/keys/key-directory.ts). */
const DEVICE_CLAIM_LABEL = 'veil-relay-device-claim-v1';
/** The first device of an account; later devices take the next free id (addToAccount). */
const FIRST_DEVICE_ID = 1;

export interface VeilDeviceOptions {
  readonly p: Primitives;
  readonly db: VeilDatabase;
  readonly http: RelayHttp;
  /** Tests only: cheaper OPAQUE stretching and vault Argon2id. */
  readonly keyStretching?: KeyStretching;
  readonly vaultArgon2?: Argon2idParams;
  readonly onEvent?: (event: MessengerEvent) => void;
  /** Tests only: the clock messages are stamped and expired by. */
  readonly now?: () => number;
}

export class VeilDevice {
  readonly api: RelayApi;
  readonly account: AccountApi;
  readonly vault: VaultLock;
  readonly keys: KeyStore;
  readonly contacts: ContactBook;
  readonly cipher: EnvelopeCipher;
  readonly sessions: SessionStore;
  readonly outbox: Outbox;
  readonly ownProfile: OwnProfileStore;
  /** Our own signed device list, and the refresh of every list messages are encrypted to. */
  readonly ownDevices: OwnDeviceList;
  readonly deviceLists: DeviceListSync;
  /** The account's devices as their owner manages them: list, rename, remove. */
  readonly accountDevices: DeviceManager;
  /** Images and files: encrypted upload, send, verified download. */
  readonly attachments: Attachments;
  private messengerValue: Messenger | null = null;
  private groupsValue: GroupMessenger | null = null;
  private privacyValue: PrivacyDeps | null = null;
  private readonly attachmentCache: AttachmentCache;
  /** Whether the live socket is open; its owner (the app, a test) says so through setConnected. */
  private connected = false;
  private searchValue: MessageSearch | null = null;
  private syncValue: OwnDeviceSync | null = null;
  private historyValue: MessageStore<ChatMessage> | null = null;
  /** The prekey upkeep in progress (see maintainPrekeys), so runs never overlap. */
  private prekeyWork: Promise<void> = Promise.resolve();

  private constructor(readonly options: VeilDeviceOptions) {
    const { p, db, http } = options;
    this.api = new RelayApi(http);
    this.account = new AccountApi(http);
    this.vault = new VaultLock(p, db, options.vaultArgon2);
    this.keys = new KeyStore(p, db, this.vault);
    this.contacts = new ContactBook(p, db, this.vault);
    this.sessions = new SessionStore(db, this.vault);
    this.ownProfile = new OwnProfileStore(db, this.vault);
    this.cipher = new EnvelopeCipher(p, this.keys, this.sessions, this.contacts);
    this.ownDevices = new OwnDeviceList(p, db, this.vault);
    this.deviceLists = new DeviceListSync({
      p,
      api: this.api,
      keys: this.keys,
      contacts: this.contacts,
      sessions: this.sessions,
      own: this.ownDevices,
      onContactDevices: (peer) => options.onEvent?.({ type: 'devices-changed', peer }),
    });
    this.accountDevices = new DeviceManager({
      p,
      api: this.api,
      keys: this.keys,
      own: this.ownDevices,
    });
    this.outbox = new Outbox(p, db, this.vault, relayOutboxTransport(this.api), (event) => {
      void this.messengerValue?.onOutboxEvent(event);
      void this.groupsValue?.onOutboxEvent(event).catch(() => undefined);
    });
    // Opened attachments stay (as ciphertext) for offline use: Cache Storage in a browser.
    const attachmentCache =
      typeof caches === 'undefined' ? new MemoryAttachmentCache() : new BrowserAttachmentCache();
    this.attachmentCache = attachmentCache;
    this.attachments = new Attachments({
      p,
      http,
      db,
      vault: this.vault,
      messenger: () => this.messenger,
      groups: () => this.groups,
      cache: attachmentCache,
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    this.vault.onChange((state) => {
      this.ownDevices.forget();
      if (state !== 'unlocked') {
        this.groupsValue = null;
        this.syncValue = null;
      }
      this.privacyValue?.disappearing.stop();
      this.privacyValue?.typing.clear();
      this.privacyValue = null;
      // The index holds decrypted text: it goes with the key.
      this.searchValue?.close();
      this.searchValue = null;
      this.historyValue?.close();
      this.historyValue = null;
      this.messengerValue = state === 'unlocked' ? this.newMessenger() : null;
      // Messages that came due while the vault was locked (or the device off) go now.
      const opened = this.privacyValue as PrivacyDeps | null; // set by newMessenger
      if (opened !== null) opened.disappearing.start().catch(() => undefined);
    });
  }

  /** The messenger of the unlocked vault. */
  get messenger(): Messenger {
    if (this.messengerValue === null) throw new Error('VeilDevice.messenger: the vault is locked');
    return this.messengerValue;
  }

  /** This device's settings (typing indicators, read receipts), in the unlocked vault. */
  get settings(): SettingsStore {
    if (this.privacyValue === null) throw new Error('VeilDevice.settings: the vault is locked');
    return this.privacyValue.settings;
  }

  /** Disappearing messages of the unlocked vault (the schedule; `sweep` runs it now). */
  get disappearing(): Disappearing {
    if (this.privacyValue === null) throw new Error('VeilDevice.disappearing: the vault is locked');
    return this.privacyValue.disappearing;
  }

  /** The live socket opened or closed: typing indicators are sent only while it is open. */
  setConnected(connected: boolean): void {
    this.connected = connected;
  }

  /** Groups of the unlocked vault (made with the messenger, whose pairwise channel they use). */
  get groups(): GroupMessenger {
    if (this.groupsValue === null) throw new Error('VeilDevice.groups: the vault is locked');
    return this.groupsValue;
  }

  /** Full-text search over the unlocked vault's history (built in memory on first use). */
  get search(): MessageSearch {
    if (this.searchValue === null) throw new Error('VeilDevice.search: the vault is locked');
    return this.searchValue;
  }

  /** Our other devices kept in step: contact changes, history transfers (vault unlocked). */
  get sync(): OwnDeviceSync {
    if (this.syncValue === null) throw new Error('VeilDevice.sync: the vault is locked');
    return this.syncValue;
  }

  private newMessenger(): Messenger {
    const history = new MessageStore<ChatMessage>(this.options.db, this.vault.codec);
    this.historyValue = history;
    this.searchValue = new MessageSearch({ db: this.options.db, codec: this.vault.codec, history });
    const conversations = new ConversationStore(this.options.db, this.vault.codec);
    const privacy = this.newPrivacy(history, conversations, () => {
      const sendTyping = (conversation: string, typing: boolean): Promise<void> =>
        conversation.startsWith('group:')
          ? groups.sendTyping(conversation.slice('group:'.length), typing)
          : messenger.sendTyping(conversation.slice('direct:'.length), typing);
      return sendTyping;
    });
    const groups: GroupMessenger = new GroupMessenger({
      privacy,
      attachments: this.attachmentCache,
      onRead: (mark): Promise<void> => sync.read(mark),
      p: this.options.p,
      api: this.api,
      db: this.options.db,
      vault: this.vault,
      keys: this.keys,
      contacts: this.contacts,
      devices: this.deviceLists,
      ownDevices: this.ownDevices,
      outbox: this.outbox,
      history,
      conversations,
      sendPairwise: (peer, content) => messenger.sendContent(peer, content),
      ...(this.options.onEvent === undefined ? {} : { onEvent: this.options.onEvent }),
      ...(this.options.now === undefined ? {} : { now: this.options.now }),
    });
    this.groupsValue = groups;
    const ownAccountId = async () => (await this.keys.identity()).account.accountId;
    const sync = new OwnDeviceSync({
      groups: () => groups,
      settings: privacy.settings,
      disappearing: () => privacy.disappearing,
      ownProfile: this.ownProfile,
      p: this.options.p,
      api: this.api,
      blobs: this.attachments.blobs,
      contacts: this.contacts,
      devices: this.deviceLists,
      messenger: () => messenger,
      ownAccountId,
      forgetContact: (peer) => this.forgetContact(peer),
      ...(this.options.onEvent === undefined ? {} : { onEvent: this.options.onEvent }),
    });
    this.syncValue = sync;
    // The settings follow the account: a change made here goes to our other devices.
    privacy.settings.onChange((_settings, origin) => {
      if (origin === 'local') sync.settingsChanged().catch(() => undefined);
      else this.options.onEvent?.({ type: 'settings' });
    });
    const messenger: Messenger = new Messenger({
      sync: (deviceId, record) => sync.receive(deviceId, record),
      onRead: (mark) => sync.read(mark),
      groups,
      privacy,
      attachments: this.attachmentCache,
      p: this.options.p,
      api: this.api,
      cipher: this.cipher,
      contacts: this.contacts,
      devices: this.deviceLists,
      // Read from the keys, not `username()`: tests decorate a device with a `username` field.
      ownAccountId,
      outbox: this.outbox,
      history,
      conversations,
      codec: this.vault.codec,
      ...(this.options.onEvent === undefined ? {} : { onEvent: this.options.onEvent }),
      ...(this.options.now === undefined ? {} : { now: this.options.now }),
    });
    return messenger;
  }

  /** Settings, typing and disappearing messages for one unlocked vault. */
  private newPrivacy(
    history: MessageStore<ChatMessage>,
    conversations: ConversationStore,
    sender: () => (conversation: string, typing: boolean) => Promise<void>,
  ): PrivacyDeps {
    const now = this.options.now ?? Date.now;
    const emit = (event: MessengerEvent): void => this.options.onEvent?.(event);
    const settings = new SettingsStore(this.options.db, this.vault, {
      deviceId: async () => (await this.keys.identity()).device.deviceId,
      now,
    });
    const privacy: PrivacyDeps = {
      settings,
      online: () => this.connected,
      typing: new Typing({
        send: (conversation, typing) => sender()(conversation, typing),
        enabled: async () => (await settings.get()).typingIndicators,
        onChange: (conversation, typists) => emit({ type: 'typing', conversation, typists }),
        now,
      }),
      disappearing: new Disappearing({
        db: this.options.db,
        codec: this.vault.codec,
        history,
        conversations,
        attachments: this.attachmentCache,
        onRemoved: (message) => emit({ type: 'removed', message }),
        now,
      }),
    };
    this.privacyValue = privacy;
    return privacy;
  }

  /** Whether this profile already holds a Veil vault (then `open`, not `create`). */
  static async exists(options: Pick<VeilDeviceOptions, 'p' | 'db'>): Promise<boolean> {
    return new VaultLock(options.p, options.db).exists();
  }

  /**
   * A new account and its first device: OPAQUE sign-up, then the vault (the same password wraps
   * it), the account and device keys, a signed device list and the device's registration.
   * `onProgress` names each step, for a visible progress indicator.
   */
  static async create(
    options: VeilDeviceOptions & {
      username: string;
      password: string;
      invite?: string;
      deviceName?: string;
      onProgress?: (step: 'account' | 'vault' | 'keys' | 'register') => void;
    },
  ): Promise<VeilDevice> {
    const { http, username, password } = options;
    options.onProgress?.('account');
    const { exportKey } = await signUp(http, {
      username,
      password,
      ...(options.invite === undefined ? {} : { invite: options.invite }),
      ...(options.keyStretching === undefined ? {} : { keyStretching: options.keyStretching }),
    });
    const device = new VeilDevice(options);
    options.onProgress?.('vault');
    await device.vault.create(password);
    const account = await device.publishFirstDevice(username, options);
    // The password's wrap of the account key, so another device can be added with it later.
    await publishAccountBackup(options.p, {
      account: device.account,
      identity: account,
      factor: exportKeyFactor(exportKey),
    });
    return device;
  }

  /**
   * A new passkey-only account and its first device: the passkey is made (its PRF output wraps the
   * vault key; there is no password), then the same keys and registration as `create`.
   */
  static async createWithPasskey(
    options: VeilDeviceOptions & {
      username: string;
      authenticator: PasskeyAuthenticator;
      invite?: string;
      deviceName?: string;
      onProgress?: (step: 'account' | 'vault' | 'keys' | 'register') => void;
    },
  ): Promise<VeilDevice> {
    const { p, http, username } = options;
    options.onProgress?.('account');
    const factor = await signUpWithPasskey(http, options.authenticator, {
      username,
      ...(options.invite === undefined ? {} : { invite: options.invite }),
      ...(options.deviceName === undefined ? {} : { name: options.deviceName }),
      randomBytes: (n) => p.randomBytes(n),
    });
    const device = new VeilDevice(options);
    options.onProgress?.('vault');
    try {
      await device.vault.createWithPasskey(factor.credentialId, factor.prfSecret);
      const account = await device.publishFirstDevice(username, options);
      // The only wrap of the account key: another device is added with this same passkey (a
      // synced passkey gives the same PRF output on every device it reaches), or not at all.
      await publishAccountBackup(p, {
        account: device.account,
        identity: account,
        factor: { kind: 'passkey', credentialId: factor.credentialId, prfSecret: factor.prfSecret },
      });
    } finally {
      p.wipe(factor.prfSecret);
    }
    return device;
  }

  /** Keys, signed device list and registration of an account's first device (vault unlocked). */
  private async publishFirstDevice(
    username: string,
    options: {
      deviceName?: string;
      onProgress?: (step: 'account' | 'vault' | 'keys' | 'register') => void;
    },
  ): Promise<AccountIdentity> {
    const { p } = this.options;
    options.onProgress?.('keys');
    const account = createAccountIdentity(p, username.toLowerCase());
    const upload = await this.keys.initialise({ account, deviceId: FIRST_DEVICE_ID });
    const identity = await this.keys.identity();
    const deviceList = signDeviceList(p, {
      account,
      counter: 1,
      issuedAt: Date.now(),
      devices: [
        {
          deviceId: FIRST_DEVICE_ID,
          signingKey: identity.device.signing.publicKey,
          identityKey: identity.device.identity.publicKey,
          name: options.deviceName ?? 'This browser',
        },
      ],
    });
    options.onProgress?.('register');
    await this.api.registerDevice({ certificate: identity.certificate, deviceList, upload });
    await this.ownDevices.accept(account, deviceList);
    return account;
  }

  /**
   * Makes this browser (no vault yet) another device of an existing account: signs in with the
   * password (+ second factor) or a passkey, opens the account-key backup with it, creates the
   * vault, this device's keys and a signed device list naming every device plus this one, and
   * registers. History starts empty here. See devices/add-to-account.ts.
   */
  static addToAccount(options: VeilDeviceOptions & AddDeviceOptions): Promise<VeilDevice> {
    return addToAccount(new VeilDevice(options), options);
  }

  /**
   * Starts linking this browser (no vault yet) from a device that is already signed in: returns
   * the offer to show as a QR code or text, then the verification code, then the joined device.
   * See devices/link-new-device.ts.
   */
  static startLink(options: VeilDeviceOptions): NewDeviceLink {
    return NewDeviceLink.start(new VeilDevice(options));
  }

  /**
   * Links a new browser from here: `text` is its offer (scanned or pasted). Show the returned
   * link's `code`; call `approve()` once the user saw the same code on the new browser.
   */
  linkDevice(text: string): Promise<ExistingDeviceLink> {
    return ExistingDeviceLink.start(this, text);
  }

  /**
   * Opens this profile's vault with one of its passkeys (offline too: the assertion is local and
   * only its PRF output is used). Then `signInWithPasskey` if the relay session has expired.
   */
  static async openWithPasskey(
    options: VeilDeviceOptions & { authenticator: PasskeyAuthenticator },
  ): Promise<VeilDevice> {
    const device = new VeilDevice(options);
    const { passkeys } = await device.vault.factors();
    const factor = await evaluatePasskeyPrf(options.authenticator, passkeys, (n) =>
      options.p.randomBytes(n),
    );
    try {
      await device.vault.unlockWithPasskey(factor.credentialId, factor.prfSecret);
    } finally {
      options.p.wipe(factor.prfSecret);
    }
    await device.keys.load();
    return device;
  }

  /**
   * Signs in to the relay with a passkey alone and binds the session to this device. A passkey of
   * another account (the browser offers all of this site's) is refused and its session ended.
   */
  async signInWithPasskey(authenticator: PasskeyAuthenticator): Promise<void> {
    const signedIn = await signInWithPasskey(this.options.http, authenticator);
    if (signedIn.prfSecret !== null) this.options.p.wipe(signedIn.prfSecret);
    if (signedIn.reply.account.username !== (await this.username())) {
      await signOut(this.options.http);
      throw new Error('VeilDevice.signInWithPasskey: that passkey belongs to another account');
    }
    await this.claim();
  }

  /**
   * Adds a passkey to the account (behind a fresh step-up proof) and, when its authenticator has
   * PRF, lets it open the vault here. Returns whether it can unlock the vault.
   */
  async addPasskey(
    authenticator: PasskeyAuthenticator,
    proof: StepUpProof,
    name?: string,
  ): Promise<{ id: string; unlocksVault: boolean }> {
    const { p } = this.options;
    const { challengeId, options } = await this.account.passkeyCreationOptions(proof);
    const created = await authenticator.create(options, PASSKEY_PRF_SALT);
    const added = await this.account.addPasskey({
      challengeId,
      ...(name === undefined ? {} : { name }),
      response: withoutExtensionResults(created.response),
    });
    try {
      const factor = await prfOf(authenticator, created, (n) => p.randomBytes(n));
      try {
        await this.vault.addPasskey(factor.credentialId, factor.prfSecret);
        // Best effort: without this wrap the passkey still unlocks here, it just cannot add devices.
        await publishAccountBackup(p, {
          account: this.account,
          identity: (await this.keys.identity()).account,
          factor: {
            kind: 'passkey',
            credentialId: factor.credentialId,
            prfSecret: factor.prfSecret,
          },
        }).catch(() => undefined);
      } finally {
        p.wipe(factor.prfSecret);
      }
      return { id: added.id, unlocksVault: true };
    } catch (error) {
      if (error instanceof PasskeyPrfUnsupportedError) return { id: added.id, unlocksVault: false };
      throw error;
    }
  }

  /** A fresh step-up proof from one of the account's passkeys (the relay lists them). */
  async passkeyProof(authenticator: PasskeyAuthenticator): Promise<StepUpProof> {
    const { challengeId, options } = await this.account.passkeyReauthOptions();
    const asserted = await authenticator.get(options, PASSKEY_PRF_SALT);
    if (asserted.prf !== null) this.options.p.wipe(asserted.prf);
    return this.account.reauthWithPasskey({
      challengeId,
      response: withoutExtensionResults(asserted.response),
    });
  }

  /** Removes a passkey from the account (step-up) and its vault wrap here. */
  async removePasskey(id: string, proof: StepUpProof): Promise<void> {
    const { password, passkeys } = await this.vault.factors();
    if (!password && passkeys.length === 1 && passkeys[0] === id) {
      throw new Error('VeilDevice.removePasskey: it is the only factor that opens this vault');
    }
    await this.account.removePasskey(id, proof);
    await this.vault.removePasskey(id);
  }

  /** Opens this profile's vault with the password: works offline (nothing asks the relay). */
  static async open(options: VeilDeviceOptions & { password: string }): Promise<VeilDevice> {
    const device = new VeilDevice(options);
    await device.vault.unlockWithPassword(options.password);
    await device.keys.load();
    return device;
  }

  /** The account id this device belongs to (from its own keys; no network). */
  async username(): Promise<string> {
    return (await this.keys.identity()).account.accountId;
  }

  /**
   * Signs in to the relay again with the password; when the account asks for a second factor,
   * `secondFactor` supplies it. Then binds the new session to this device by signing the relay's
   * challenge with the device key.
   */
  async signIn(
    password: string,
    secondFactor?: () => Promise<{ code: string } | { recoveryCode: string }>,
  ): Promise<void> {
    const username = await this.username();
    const result: SignInResult = await signIn(this.options.http, {
      username,
      password,
      ...(this.options.keyStretching === undefined
        ? {}
        : { keyStretching: this.options.keyStretching }),
    });
    if (result.status === 'second-factor') {
      if (secondFactor === undefined)
        throw new Error('VeilDevice.signIn: a second factor is needed');
      await completeSecondFactor(this.options.http, {
        pendingToken: result.pendingToken,
        ...(await secondFactor()),
      });
    }
    // The relay accepted this password: a password change whose outcome was lost settles on it.
    await this.vault.settlePassword(password);
    await this.claim();
    await this.ensureAccountBackup(result.exportKey);
  }

  /**
   * An account made before key backups existed gets its password wrap at the next sign-in, so it
   * too can add devices. Best effort: a failure only postpones it to the next sign-in.
   */
  private async ensureAccountBackup(exportKey: string): Promise<void> {
    try {
      if ((await this.account.keyBackup()) !== null) return;
      await publishAccountBackup(this.options.p, {
        account: this.account,
        identity: (await this.keys.identity()).account,
        factor: exportKeyFactor(exportKey),
      });
    } catch {
      // Tried again at the next sign-in.
    }
  }

  /** Proves to the relay that this session runs on this device (signs its per-session challenge). */
  async claim(): Promise<void> {
    const identity = await this.keys.identity();
    const challenge = await this.api.claimChallenge();
    const signature = this.options.p.sign(
      identity.device.signing.secretKey,
      concatBytes(utf8(DEVICE_CLAIM_LABEL), challenge),
    );
    await this.api.claimDevice(identity.device.deviceId, signature);
  }

  /**
   * The safety number both sides display for `peer` (60 digits in 12 groups), and the QR payload
   * this device shows, computed from the keys pinned here — never from what the relay says now.
   */
  async safetyNumber(peer: string): Promise<{ groups: readonly string[]; qr: Uint8Array }> {
    const contact = await this.contacts.get(peer);
    if (contact === undefined) throw new Error(`VeilDevice.safetyNumber: no contact ${peer}`);
    const { account } = await this.keys.identity();
    const local = { accountId: account.accountId, accountKey: account.accountKey };
    const remote = { accountId: contact.accountId, accountKey: contact.accountKey };
    return {
      groups: safetyNumber(this.options.p, { local, remote }).groups,
      qr: safetyNumberQr(this.options.p, { local, remote }),
    };
  }

  async setVerified(peer: string, verified: boolean): Promise<void> {
    await this.contacts.update(peer, (contact) => ({ ...contact, verified }));
    await this.syncContact(peer);
  }

  /**
   * Tells our other devices what this contact's state is now. Best effort: the change holds here
   * either way, and the next change to the contact carries the whole state again.
   */
  private async syncContact(peer: string, removedKey?: Ed25519PublicKey): Promise<void> {
    await this.sync.contactChanged(peer, removedKey).catch(() => undefined);
  }

  /**
   * The user saw the key-change warning and accepts the new key: it becomes the pinned one
   * (unverified), sessions with the old identity's devices are dropped, and the device list signed
   * by the new key is fetched.
   */
  async acknowledgeKeyChange(peer: string): Promise<void> {
    const before = await this.contacts.get(peer);
    // Sessions with the old identity's devices are worthless now: the next message starts afresh.
    if (before?.deviceList != null) {
      for (const { deviceId } of decodeDeviceList(before.deviceList).devices) {
        await this.sessions.delete({ accountId: peer, deviceId });
      }
    }
    await this.contacts.acknowledgeKeyChange(peer);
    const entry = await this.api.directory(peer);
    await this.contacts.acceptDeviceList(peer, entry.deviceList);
  }

  /**
   * Asks the directory for the contact's current key and device list. A different key is recorded
   * as a pending change (sending blocks until acknowledged) and reported as 'changed'.
   */
  async refreshContact(peer: string): Promise<'same' | 'changed'> {
    const entry = await this.api.directory(peer);
    const { observation } = await this.contacts.observe(entry.username, entry.accountKey);
    if (observation === 'changed' || observation === 'already-pending') return 'changed';
    // Through the list keeper, so a device added or removed meanwhile is noted for the user.
    await this.deviceLists.acceptContactList(entry.username, entry.deviceList);
    return 'same';
  }

  /**
   * Pins a contact's key from the directory (trust on first use), accepts its device list, and
   * sends them our profile, if we have one: once both sides have added each other, each has the
   * other's.
   */
  async addContact(username: string): Promise<void> {
    const entry = await this.api.directory(username);
    await this.contacts.observe(entry.username, entry.accountKey);
    await this.contacts.acceptDeviceList(entry.username, entry.deviceList);
    await this.syncContact(entry.username);
    const profile = await this.ownProfile.get();
    if (profile === undefined) return;
    // Best effort: the contact is added either way; the next `setProfile` reaches them again.
    await this.messenger.sendProfile([entry.username], profile).catch(() => undefined);
  }

  // — profile: display name and avatar, for contacts' eyes only

  /** Our own profile as last saved here, or undefined when none was ever set. */
  async profile(): Promise<Profile | undefined> {
    return this.ownProfile.get();
  }

  /**
   * Saves our profile (vault-encrypted) and sends it to every contact we can write to — never to a
   * blocked one. A name or avatar over the protocol's limits throws (TOO_LARGE) before anything is
   * stored or sent. Returns the contacts it was queued for.
   */
  async setProfile(input: ProfileInput): Promise<string[]> {
    const previous = await this.ownProfile.get();
    // Strictly later than the last one even if the clock stepped back, or contacts would keep it.
    const updatedAt = Math.max(Date.now(), (previous?.updatedAt ?? 0) + 1);
    const profile: Profile = { displayName: input.displayName, avatar: input.avatar, updatedAt };
    assertSendable(profile);
    await this.ownProfile.put(profile);
    const peers = (await this.contacts.list()).map((contact) => contact.accountId);
    return this.messenger.sendProfile(peers, profile);
  }

  // — end of profile

  // — contacts: block, mute, remove

  /** The user has seen that `peer` added or removed devices. */
  dismissDeviceNotice(peer: string): Promise<void> {
    return this.contacts.clearDeviceNotice(peer);
  }

  async setBlocked(peer: string, blocked: boolean): Promise<void> {
    await this.contacts.setBlocked(peer, blocked);
    await this.syncContact(peer);
  }

  async setMuted(peer: string, muted: boolean): Promise<void> {
    await this.contacts.setMuted(peer, muted);
    await this.syncContact(peer);
  }

  /**
   * Mutes a group until `mutedUntil` (ms; MUTED_ALWAYS for good) or unmutes it (0), here and on
   * our other devices (groups/group-mutes.ts).
   */
  async setGroupMuted(groupId: string, mutedUntil: number): Promise<void> {
    await this.groups.setMuted(groupId, mutedUntil);
    // Offline, the other devices miss this one (as with a contact's mute); the mute here holds.
    await this.sync.groupMuteChanged(groupId, mutedUntil).catch(() => undefined);
  }

  /**
   * Forgets a contact on this device: its ratchet sessions, the whole conversation history and the
   * contact row (last, so a failure half-way leaves it listed and the removal can be retried). The
   * contact is not told; if they write again they arrive as a new, unverified contact. Our other
   * devices forget them too.
   */
  async removeContact(peer: string): Promise<void> {
    const contact = await this.contacts.get(peer);
    if (contact === undefined) return;
    await this.forgetContact(peer);
    await this.syncContact(peer, contact.accountKey);
  }

  /**
   * "Back up history to a file": 1:1 and group history, contacts, groups, settings and the account
   * state (profile, mutes, timers, invite state: devices/account-state.ts), encrypted
   * under `passphrase` (devices/history-backup-export.ts), as pieces of the file.
   */
  exportHistoryBackup(passphrase: string, params?: Argon2idParams): AsyncGenerator<Uint8Array> {
    if (this.historyValue === null) throw new Error('VeilDevice.exportHistoryBackup: locked');
    if (passphrase.length === 0) {
      throw new Error('VeilDevice.exportHistoryBackup: a passphrase or recovery code is required');
    }
    return exportHistoryBackup(
      {
        p: this.options.p,
        identity: async () => (await this.keys.identity()).account,
        contacts: this.contacts,
        messenger: this.messenger,
        groups: this.groups,
        history: this.historyValue,
        settings: this.settings,
        state: this.sync.stateDeps(),
      },
      { passphrase, ...(params === undefined ? {} : { params }) },
    );
  }

  /**
   * "Restore from a file" on another device of the same account; `open` yields the file's bytes
   * (called twice). Throws a HistoryBackupError, writing nothing, for a wrong passphrase, another
   * account's file or an altered one.
   */
  restoreHistoryBackup(
    passphrase: string,
    open: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): Promise<HistoryRestoreResult> {
    const sync = this.sync;
    return restoreHistoryBackup(
      {
        p: this.options.p,
        account: async () => accountPublic((await this.keys.identity()).account),
        messenger: this.messenger,
        groups: this.groups,
        settings: this.settings,
        state: sync.stateDeps(),
        applyContact: (record) => sync.applyContactState(record),
      },
      { passphrase, open },
    );
  }

  /** removeContact on this device only (also what a sync from another device of ours does). */
  private async forgetContact(peer: string): Promise<void> {
    const contact = await this.contacts.get(peer);
    if (contact === undefined) return;
    // Sessions are keyed by device; the last accepted device list names every device we talk to.
    if (contact.deviceList !== null) {
      for (const { deviceId } of decodeDeviceList(contact.deviceList).devices) {
        await this.sessions.delete({ accountId: peer, deviceId });
      }
    }
    await this.messenger.forget(peer);
    await this.contacts.remove(peer);
  }

  /**
   * Our socket said the account's signed device list moved on to `counter` (another device of
   * ours added, renamed or removed one): fetch and verify it now, so transcripts reach an added
   * device at once, and tell the app (`devices-changed` for our own account) so its list redraws.
   */
  async ownDeviceListChanged(counter: number): Promise<void> {
    if (!this.vault.unlocked) return; // read again at the next unlock's first send
    const { account } = await this.keys.identity();
    if (await this.deviceLists.heard(account.accountId, counter)) {
      this.options.onEvent?.({ type: 'devices-changed', peer: account.accountId });
    }
  }

  // — prekeys: keep this device reachable

  /**
   * Tops up one-time prekeys (both kinds) when fewer than the refill threshold remain, and rotates
   * the signed prekey once it is a week old. Called when the socket is ready and when the relay
   * says `prekeys-low`; it asks the relay for the current count itself, and runs one at a time, so
   * two triggers close together cannot both upload a refill for the same shortfall.
   */
  maintainPrekeys(): Promise<void> {
    const run = this.prekeyWork.then(() => this.maintainPrekeysNow());
    this.prekeyWork = run.catch(() => undefined);
    return run;
  }

  private async maintainPrekeysNow(): Promise<void> {
    const count = await this.api.prekeyCount();
    const refill = await this.keys.refill(Math.min(count.oneTime, count.pqOneTime));
    const age = count.signedPrekeyAt === null ? Infinity : Date.now() - count.signedPrekeyAt;
    const signedPrekey =
      age >= PREKEY_POLICY.signedPrekeyLifetimeMs
        ? await this.keys.rotateSignedPrekey()
        : undefined;
    if (refill.oneTimePrekeys.length === 0 && signedPrekey === undefined) return;
    await this.api.uploadPrekeys({
      ...refill,
      ...(signedPrekey === undefined ? {} : { signedPrekey }),
    });
  }
}
