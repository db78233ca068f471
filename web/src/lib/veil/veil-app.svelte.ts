// The app's one link to @veil/client: which device is open, the relay session, the socket, and a
// `revision` counter that screens read so they reload after anything changed (a message arrived, a
// mark moved). Screens call these methods and render; all protocol work happens in @veil/client.
import {
  changePassword,
  deleteAccount,
  disableTotp,
  eraseLocalCopy,
  exportVaultBackup,
  generateBackupCode,
  newRecoveryCodes,
  RelayError,
  RelayHttp,
  RelaySocket,
  restoreVaultBackup,
  signOut,
  VaultLock,
  VeilDatabase,
  VeilDevice,
  type AccountDevice,
  type AddDeviceStep,
  type ExistingDeviceLink,
  type HistoryRange,
  type HistoryRestoreResult,
  type LinkNewStep,
  type NewDeviceLink,
  type ChatMessage,
  type ConversationSummary,
  type MessengerEvent,
  type Profile,
  type ProfileInput,
  type Settings,
  type SocketState,
  type StepUpFactor,
  type StepUpProof,
  type StoredMessage,
} from '@veil/client';
import type { PasskeySummary } from '@veil/wire';
import { fromBase64Url, loadPrimitives, type Primitives } from '@veil/protocol';
import { connection } from '$lib/state/connection.svelte';
import { browserPasskey } from './browser-passkey';

/** One profile, one Veil: the IndexedDB database every screen shares. */
const DATABASE_NAME = 'veil';
const CURSOR_KEY = 'mailbox-cursor';
/** Messages per history page: a screenful or two, decrypted at a time. */
export const HISTORY_PAGE = 50;

export type CreateStep = 'account' | 'vault' | 'keys' | 'register';
export type { AddDeviceStep, LinkNewStep } from '@veil/client';

class VeilApp {
  device = $state.raw<VeilDevice | null>(null);
  username = $state<string | null>(null);
  /** Bumped after every change a screen may show. */
  revision = $state(0);
  /**
   * Another device of the account removed this one (its socket closed with "device removed"): it
   * receives and sends nothing more, and the app says so until the user erases this browser's copy
   * or signs in again. Nothing is erased by itself: the close code comes from the relay, which
   * must not be able to destroy anyone's history by sending it.
   */
  removed = $state(false);
  /** Contacts whose key changed: sending to them waits for an acknowledgement. */
  keyChanges = $state<string[]>([]);
  /** Who is typing, by conversation key (`direct:<account>`, `group:<id>`); in memory only. */
  typing = $state.raw<Readonly<Record<string, readonly string[]>>>({});

  private primitives: Promise<Primitives> | null = null;
  private socket: RelaySocket | null = null;
  private readonly db = new VeilDatabase(DATABASE_NAME);
  private readonly http = new RelayHttp({ baseUrl: '' });

  private p(): Promise<Primitives> {
    this.primitives ??= loadPrimitives();
    return this.primitives;
  }

  /** Whether this browser already holds a Veil vault (then it is unlocked, not created). */
  async hasVault(): Promise<boolean> {
    return VeilDevice.exists({ p: await this.p(), db: this.db });
  }

  async create(options: {
    username: string;
    password: string;
    invite?: string;
    onProgress: (step: CreateStep) => void;
  }): Promise<void> {
    const p = await this.p();
    // Ask the browser not to evict the keys under storage pressure (a best effort; it may say no).
    void navigator.storage.persist().catch(() => false);
    const device = await VeilDevice.create({
      p,
      db: this.db,
      http: this.http,
      username: options.username,
      password: options.password,
      ...(options.invite ? { invite: options.invite } : {}),
      deviceName: deviceName(),
      onProgress: options.onProgress,
      onEvent: (event) => this.onEvent(event),
    });
    await this.opened(device);
  }

  /**
   * Makes this browser (no vault yet) another device of an existing account: the password (+ the
   * second factor when the relay asks) or a passkey opens the account-key backup; this browser gets
   * its own keys and joins the signed device list. History starts empty here.
   */
  async addThisDevice(
    options: (
      | {
          username: string;
          password: string;
          secondFactor: () => Promise<{ code: string } | { recoveryCode: string }>;
        }
      | { passkey: true }
    ) & { onProgress: (step: AddDeviceStep) => void },
  ): Promise<void> {
    const p = await this.p();
    void navigator.storage.persist().catch(() => false);
    const factor =
      'passkey' in options
        ? { authenticator: browserPasskey }
        : {
            username: options.username,
            password: options.password,
            secondFactor: options.secondFactor,
          };
    const device = await VeilDevice.addToAccount({
      p,
      db: this.db,
      http: this.http,
      ...factor,
      deviceName: deviceName(),
      onProgress: options.onProgress,
      onEvent: (event) => this.onEvent(event),
    });
    await this.opened(device);
  }

  /**
   * Starts linking this browser (no vault yet) from a signed-in device: the offer to show as a QR
   * code and as text. Then `link.verificationCode()`, and `completeLink` once the codes match.
   */
  async startLink(): Promise<NewDeviceLink> {
    return VeilDevice.startLink({
      p: await this.p(),
      db: this.db,
      http: this.http,
      onEvent: (event) => this.onEvent(event),
    });
  }

  /** The codes matched: the account arrives over the link, and `password` locks this browser. */
  async completeLink(
    link: NewDeviceLink,
    password: string,
    onProgress: (step: LinkNewStep) => void,
  ): Promise<void> {
    void navigator.storage.persist().catch(() => false);
    const device = await link.complete({ password, deviceName: deviceName(), onProgress });
    await this.opened(device);
  }

  /**
   * Sends this device's 1:1 history within `range` to the account's other devices (encrypted, as a
   * blob whose key travels in a sync message). Returns how many messages went.
   */
  sendHistory(range: HistoryRange): Promise<number> {
    return this.required().sync.sendHistory({ range });
  }

  /** Links a new browser from this device: `text` is the offer it shows (scanned or pasted). */
  linkDevice(text: string): Promise<ExistingDeviceLink> {
    return this.required().linkDevice(text);
  }

  /**
   * Opens the vault with the password (offline too), then makes sure the relay session belongs to
   * this device: signing in again when it expired. `secondFactor` is asked only when needed.
   */
  async unlock(
    password: string,
    secondFactor?: () => Promise<{ code: string } | { recoveryCode: string }>,
  ): Promise<void> {
    const p = await this.p();
    const device = await VeilDevice.open({
      p,
      db: this.db,
      http: this.http,
      password,
      onEvent: (event) => this.onEvent(event),
    });
    await this.opened(device);
    await this.renewSession(device, () => device.signIn(password, secondFactor));
  }

  /** Checks the relay session after an unlock; signs in again (with `signIn`) when it expired. */
  private async renewSession(device: VeilDevice, signIn: () => Promise<void>): Promise<void> {
    try {
      await device.api.prekeyCount();
    } catch (error) {
      if (!(error instanceof RelayError) || error.network) return; // offline: history still opens
      if (error.code === 'RELAY_ERR_DEVICE_NOT_BOUND') await device.claim();
      else if (error.status === 401) await signIn();
      else throw error;
      this.startSocket();
    }
  }

  // — passkeys (passkey-only sign-up, unlock with a passkey, the account's passkeys)

  /** Which factors open this browser's vault, or null when there is none. */
  async vaultFactors(): Promise<{ password: boolean; passkeys: string[] } | null> {
    const p = await this.p();
    if (!(await VeilDevice.exists({ p, db: this.db }))) return null;
    return new VaultLock(p, this.db).factors();
  }

  /** A passkey-only account: the passkey's PRF output locks the vault; there is no password. */
  async createWithPasskey(options: {
    username: string;
    invite?: string;
    onProgress: (step: CreateStep) => void;
  }): Promise<void> {
    const p = await this.p();
    void navigator.storage.persist().catch(() => false);
    const device = await VeilDevice.createWithPasskey({
      p,
      db: this.db,
      http: this.http,
      username: options.username,
      authenticator: browserPasskey,
      ...(options.invite ? { invite: options.invite } : {}),
      deviceName: deviceName(),
      onProgress: options.onProgress,
      onEvent: (event) => this.onEvent(event),
    });
    await this.opened(device);
  }

  /**
   * Opens the vault with a passkey (offline too); when the relay session has expired, the same
   * passkey signs in again (a second prompt, since the first one's challenge was local).
   */
  async unlockWithPasskey(): Promise<void> {
    const device = await VeilDevice.openWithPasskey({
      p: await this.p(),
      db: this.db,
      http: this.http,
      authenticator: browserPasskey,
      onEvent: (event) => this.onEvent(event),
    });
    await this.opened(device);
    await this.renewSession(device, () => device.signInWithPasskey(browserPasskey));
  }

  passkeys(): Promise<PasskeySummary[]> {
    return this.required().account.passkeys();
  }

  /** A step-up proof from one of the account's passkeys. */
  passkeyProof(): Promise<StepUpProof> {
    return this.required().passkeyProof(browserPasskey);
  }

  /** A step-up proof from the password (accounts without a second factor) or a code. */
  stepUp(factor: { password: string } | { code: string }): Promise<StepUpProof> {
    const { account } = this.required();
    if ('password' in factor) return account.reauthWithPassword(factor.password);
    const code = factor.code.trim();
    return account.reauthWithCode(/^[0-9]{6}$/.test(code) ? { code } : { recoveryCode: code });
  }

  async addPasskey(proof: StepUpProof, name: string): Promise<{ unlocksVault: boolean }> {
    const added = await this.required().addPasskey(browserPasskey, proof, name);
    this.revision++;
    return added;
  }

  async renamePasskey(id: string, name: string): Promise<void> {
    await this.required().account.renamePasskey(id, name);
    this.revision++;
  }

  async removePasskey(id: string, proof: StepUpProof): Promise<void> {
    await this.required().removePasskey(id, proof);
    this.revision++;
  }

  // — end of passkeys

  async dismissDeviceNotice(peer: string): Promise<void> {
    await this.required().dismissDeviceNotice(peer);
    this.revision++;
  }

  /** The account's devices (names from the signed list; created and last-seen from the relay). */
  devices(): Promise<AccountDevice[]> {
    return this.required().accountDevices.list();
  }

  async renameDevice(deviceId: number, name: string): Promise<void> {
    await this.required().accountDevices.rename(deviceId, name);
    this.revision++;
  }

  async removeDevice(deviceId: number): Promise<void> {
    await this.required().accountDevices.remove(deviceId);
    this.revision++;
  }

  // — account security and backups (password change, TOTP off, recovery codes, account deletion,
  //   backup files). Each change takes a step-up factor; the work is in @veil/client.

  async changePassword(factor: StepUpFactor, newPassword: string): Promise<void> {
    await changePassword(this.required(), { factor, newPassword });
    this.revision++;
  }

  async disableTotp(factor: StepUpFactor): Promise<void> {
    await disableTotp(this.required(), factor);
    this.revision++;
  }

  /** Ten new recovery codes, to show once; the old ones stop working. */
  async newRecoveryCodes(factor: StepUpFactor): Promise<string[]> {
    const codes = await newRecoveryCodes(this.required(), factor);
    this.revision++;
    return codes;
  }

  /**
   * Deletes the account on the relay, then this browser's database. The screen then leaves for the
   * welcome page and calls `lock()`: locking first would send it to the unlock screen instead.
   */
  async deleteAccount(factor: StepUpFactor): Promise<void> {
    // The socket stops first: a late mailbox cursor write would create the database again.
    this.socket?.stop();
    this.socket = null;
    try {
      await deleteAccount(this.required(), factor);
    } catch (error) {
      this.startSocket();
      throw error;
    }
    this.username = null;
    this.keyChanges = [];
  }

  /** The whole vault as an encrypted backup file, with the name to save it under. */
  async exportBackup(passphrase: string): Promise<{ file: Blob; name: string }> {
    const username = await this.required().username();
    const pieces = exportVaultBackup({ p: await this.p(), db: this.db, passphrase });
    return savedFile(pieces, `veil-backup-${username}`, 'veil');
  }

  /** Restores a backup file into this browser (which must hold no vault); unlock afterwards. */
  async restoreBackup(file: File, passphrase: string): Promise<void> {
    await restoreVaultBackup({ p: await this.p(), db: this.db, passphrase, source: chunks(file) });
  }

  /** The account's history (1:1, groups), contacts and settings as an encrypted file. */
  async exportHistoryFile(passphrase: string): Promise<{ file: Blob; name: string }> {
    const device = this.required();
    const username = await device.username();
    return savedFile(
      device.exportHistoryBackup(passphrase),
      `veil-history-${username}`,
      'veilhistory',
    );
  }

  /** A recovery code to lock a history file with instead of a typed passphrase (shown once). */
  async historyFileCode(): Promise<string> {
    return generateBackupCode(await this.p());
  }

  /** Takes in a history file of this account (read twice: checked whole, then stored). */
  async restoreHistoryFile(file: File, passphrase: string): Promise<HistoryRestoreResult> {
    const result = await this.required().restoreHistoryBackup(passphrase, () => chunks(file));
    this.revision++;
    return result;
  }

  // — end of account security and backups

  /** Ends the relay session (its sockets close) and locks; the vault and history stay here. */
  async logOut(): Promise<void> {
    const device = this.device;
    this.lock();
    if (device !== null) await signOut(this.http);
  }

  /**
   * Erases this browser's vault (keys, history, outbox) and its attachment cache; the account and
   * other devices stay.
   */
  async eraseThisBrowser(): Promise<void> {
    this.lock();
    await eraseLocalCopy(this.db);
    this.username = null;
    this.keyChanges = [];
    this.removed = false;
  }

  lock(): void {
    this.socket?.stop();
    this.socket = null;
    this.device?.vault.lock();
    this.device = null;
    this.typing = {};
    connection.status = navigator.onLine ? 'disconnected' : 'offline';
  }

  async addContact(username: string): Promise<void> {
    await this.required().addContact(username.trim().toLowerCase());
    this.revision++;
  }

  async setVerified(peer: string, verified: boolean): Promise<void> {
    await this.required().setVerified(peer, verified);
    this.revision++;
  }

  async acknowledgeKeyChange(peer: string): Promise<void> {
    await this.required().acknowledgeKeyChange(peer);
    this.keyChanges = this.keyChanges.filter((name) => name !== peer);
    this.revision++;
  }

  /** Checks the directory for a changed key (best effort: offline, the pinned key stays). */
  async refreshContact(peer: string): Promise<void> {
    try {
      if ((await this.required().refreshContact(peer)) === 'changed') this.revision++;
    } catch (error) {
      if (!(error instanceof RelayError)) throw error;
    }
  }

  // — contacts and history (block, mute, remove, the list and paged history; message actions are
  // in state/message-actions.svelte.ts)

  /** Every conversation, most recently active first, with its preview and unread count. */
  async conversations(): Promise<ConversationSummary[]> {
    return this.required().messenger.conversations();
  }

  /** The `HISTORY_PAGE` messages before `beforeSeq` (the newest when omitted), oldest first. */
  async historyPage(peer: string, beforeSeq?: number): Promise<StoredMessage<ChatMessage>[]> {
    return this.required().messenger.history(peer, {
      limit: HISTORY_PAGE,
      ...(beforeSeq === undefined ? {} : { beforeSeq }),
    });
  }

  /** Every message from `fromSeq` on: re-reads the part of a conversation a view has loaded. */
  async historySince(peer: string, fromSeq: number): Promise<StoredMessage<ChatMessage>[]> {
    return this.required().messenger.historySince(peer, fromSeq);
  }

  async setBlocked(peer: string, blocked: boolean): Promise<void> {
    await this.required().setBlocked(peer, blocked);
    this.revision++;
  }

  async setMuted(peer: string, muted: boolean): Promise<void> {
    await this.required().setMuted(peer, muted);
    this.revision++;
  }

  /** Deletes the contact, its sessions and the whole conversation from this browser. */
  async removeContact(peer: string): Promise<void> {
    await this.required().removeContact(peer);
    this.keyChanges = this.keyChanges.filter((name) => name !== peer);
    this.revision++;
  }

  // — end of contacts and history

  // — profile (our display name and avatar; contacts' profiles arrive in their contact rows)

  /** Our own profile as saved in this vault, or undefined when none was ever set. */
  profile(): Promise<Profile | undefined> {
    return this.required().profile();
  }

  /** Saves our profile and sends it to every contact we can write to; returns how many. */
  async setProfile(input: ProfileInput): Promise<number> {
    const reached = await this.required().setProfile(input);
    this.revision++;
    return reached.length;
  }

  // — end of profile

  // — privacy: settings, typing indicators, disappearing messages (conversation keys come from
  //   @veil/client's directConversation / groupConversation)

  settings(): Promise<Settings> {
    return this.required().settings.get();
  }

  async updateSettings(change: Partial<Settings>): Promise<void> {
    await this.required().settings.update(change);
    this.revision++;
  }

  /** The user typed in a conversation's composer (throttled in @veil/client). */
  typed(conversation: string): void {
    const device = this.device;
    if (device === null) return;
    const [kind, id] = splitConversation(conversation);
    void (kind === 'group' ? device.groups.typed(id) : device.messenger.typed(id));
  }

  /** The composer was left or emptied: "stopped typing" if "typing" went out. */
  stoppedTyping(conversation: string): void {
    const device = this.device;
    if (device === null) return;
    const [kind, id] = splitConversation(conversation);
    void (kind === 'group' ? device.groups.stoppedTyping(id) : device.messenger.stoppedTyping(id));
  }

  disappearingTimer(conversation: string): Promise<number> {
    const [kind, id] = splitConversation(conversation);
    const device = this.required();
    return kind === 'group'
      ? device.groups.disappearingTimer(id)
      : device.messenger.disappearingTimer(id);
  }

  async setDisappearingTimer(conversation: string, seconds: number): Promise<void> {
    const [kind, id] = splitConversation(conversation);
    const device = this.required();
    await (kind === 'group'
      ? device.groups.setDisappearingTimer(id, seconds)
      : device.messenger.setDisappearingTimer(id, seconds));
    this.revision++;
  }

  // — end of privacy

  required(): VeilDevice {
    if (this.device === null) throw new Error('Veil is locked');
    return this.device;
  }

  private async opened(device: VeilDevice): Promise<void> {
    this.device = device;
    this.removed = false;
    this.username = await device.username();
    this.revision++;
    this.startSocket();
  }

  private startSocket(): void {
    const device = this.device;
    if (device === null) return;
    this.socket?.stop();
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/socket`;
    const socket = new RelaySocket({
      url,
      open: (socketUrl) => new WebSocket(socketUrl),
      cursor: {
        get: async () => ((await this.db.meta.get(CURSOR_KEY))?.value as number | undefined) ?? 0,
        set: async (seq) => {
          await this.db.meta.put({ key: CURSOR_KEY, value: seq });
        },
      },
      onEnvelope: (frame) =>
        device.messenger.receive(
          fromBase64Url(frame.body),
          frame.keyRecord === undefined ? undefined : fromBase64Url(frame.keyRecord),
        ),
      onReady: () => {
        sendPending(device);
        void this.keepReachable(device);
      },
      onPrekeysLow: () => void this.keepReachable(device),
      onDeviceList: (counter) => void device.ownDeviceListChanged(counter).catch(() => undefined),
      onState: (state) => {
        if (state === 'device-removed') this.removed = true;
        connection.status = statusOf(state);
        device.setConnected(state === 'open');
      },
    });
    this.socket = socket;
    socket.start();
  }

  /** Prekey upkeep, best effort: a failure (offline) is retried at the next socket start. */
  private async keepReachable(device: VeilDevice): Promise<void> {
    try {
      await device.maintainPrekeys();
    } catch (error) {
      if (!(error instanceof RelayError)) throw error;
    }
  }

  /** The browser came back online: reconnect now instead of waiting out the backoff. */
  private readonly onOnline = (): void => {
    const device = this.device;
    if (device === null) return;
    // A socket that outlived the outage gets no new `ready`, so what waits goes from here.
    if (this.socket?.state === 'open') {
      sendPending(device);
      return;
    }
    // A dropped socket reopens now, and its onReady sends the queued attachments. Not from here:
    // every tab hears `online`, and a tab whose socket another tab replaced (it never reconnects)
    // would upload and send the same queued file as the tab holding the mailbox.
    this.socket?.reconnectNow();
    void device.outbox.flush({ force: true });
  };

  /** Follows the browser's `online` event; returns the function that stops following. */
  watchBrowser(target: Window): () => void {
    target.addEventListener('online', this.onOnline);
    return () => target.removeEventListener('online', this.onOnline);
  }

  private onEvent(event: MessengerEvent): void {
    if (event.type === 'typing') {
      // Not a change to anything stored: only the "is typing" line follows it.
      this.typing = { ...this.typing, [event.conversation]: event.typists };
      return;
    }
    if (event.type === 'key-changed' && !this.keyChanges.includes(event.peer)) {
      this.keyChanges = [...this.keyChanges, event.peer];
    }
    this.revision++;
  }
}

function statusOf(state: SocketState): typeof connection.status {
  switch (state) {
    case 'open':
      return 'connected';
    case 'connecting':
      return 'connecting';
    case 'device-removed':
      return 'removed';
    default:
      return navigator.onLine ? 'disconnected' : 'offline';
  }
}

/** `direct:<account>` / `group:<id>` → its kind and id. */
function splitConversation(conversation: string): ['direct' | 'group', string] {
  const at = conversation.indexOf(':');
  return [conversation.slice(0, at) === 'group' ? 'group' : 'direct', conversation.slice(at + 1)];
}

/** A file's bytes as they are read, never all at once. */
async function* chunks(file: File): AsyncGenerator<Uint8Array> {
  const reader = file.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** An encrypted export as a file to save: `<stem>-<date>.<extension>`. */
async function savedFile(
  pieces: AsyncIterable<Uint8Array>,
  stem: string,
  extension: string,
): Promise<{ file: Blob; name: string }> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  // A Blob of many parts: the browser may keep it on disk, so no one buffer holds the export.
  for await (const piece of pieces) parts.push(new Uint8Array(piece));
  const date = new Date().toISOString().slice(0, 10);
  return {
    file: new Blob(parts, { type: 'application/octet-stream' }),
    name: `${stem}-${date}.${extension}`,
  };
}

/** Sends what waited for the relay: queued messages, then attachments chosen offline. */
function sendPending(device: VeilDevice): void {
  void device.outbox.flush({ force: true });
  // Kept across reloads; a failure leaves them queued for the next socket start or `online`.
  device.attachments.sendQueued().catch(() => undefined);
}

/** "Chrome on Linux"-style, for the device list; no fingerprinting detail. */
function deviceName(): string {
  const ua = navigator.userAgent;
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : 'Linux';
  return `Browser on ${os}`;
}

export const veil = new VeilApp();
