// A complete client device for tests against a real relay: its own IndexedDB (fake-indexeddb),
// vault, keys, contacts, sessions, outbox, history and messenger, signed up and registered.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import {
  createAccountIdentity,
  fromBase64Url,
  signDeviceList,
  type AccountIdentity,
  type Primitives,
} from '@veil/protocol';
import WebSocket from 'ws';
import { ContactBook } from '../contacts/contact-book';
import { KeyStore } from '../keys/key-store';
import type { ChatMessage } from '../messaging/chat-message';
import { EnvelopeCipher } from '../messaging/envelope-cipher';
import { Messenger, type MessengerEvent } from '../messaging/messenger';
import { Outbox } from '../messaging/outbox';
import { SessionStore } from '../messaging/session-store';
import { relayOutboxTransport } from '../relay/outbox-transport';
import { signUp, type KeyStretching } from '../relay/password-auth';
import { RelayApi } from '../relay/relay-api';
import { RelayHttp } from '../relay/relay-http';
import { RelaySocket, type SocketState } from '../relay/relay-socket';
import { MessageStore } from '../store/message-store';
import { VeilDatabase } from '../store/veil-database';
import { VaultLock } from '../vault/vault-lock';

/** Cheap for tests only; the real client keeps the library's memory-hard default. */
export const TEST_STRETCHING: KeyStretching = {
  'argon2id-custom': { iterations: 1, memory: 64, parallelism: 1 },
};

export interface RelayAddress {
  readonly baseUrl: string;
  readonly origin: string;
}

export interface TestDevice {
  readonly username: string;
  readonly account: AccountIdentity;
  readonly db: VeilDatabase;
  readonly http: RelayHttp;
  readonly api: RelayApi;
  readonly contacts: ContactBook;
  readonly cipher: EnvelopeCipher;
  readonly outbox: Outbox;
  readonly messenger: Messenger;
  readonly events: MessengerEvent[];
  /** Opens the live socket; the returned object stops it. */
  connect(): RelaySocket & { states: SocketState[] };
}

let count = 0;

export async function newTestDevice(
  p: Primitives,
  relay: RelayAddress,
  username: string,
): Promise<TestDevice> {
  const http = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
  await signUp(http, {
    username,
    password: `${username} password`,
    keyStretching: TEST_STRETCHING,
  });
  const db = new VeilDatabase(`test-device-${++count}-${username}`, { indexedDB, IDBKeyRange });
  const vault = new VaultLock(p, db);
  await vault.create(`${username} password`);
  const keys = new KeyStore(p, db, vault);
  const account = createAccountIdentity(p, username);
  const upload = await keys.initialise({ account, deviceId: 1 });
  const identity = await keys.identity();
  const deviceList = signDeviceList(p, {
    account,
    counter: 1,
    issuedAt: Date.now(),
    devices: [
      {
        deviceId: 1,
        signingKey: identity.device.signing.publicKey,
        identityKey: identity.device.identity.publicKey,
        name: 'Test browser',
      },
    ],
  });
  const api = new RelayApi(http);
  await api.registerDevice({ certificate: identity.certificate, deviceList, upload });
  const contacts = new ContactBook(p, db, vault);
  const cipher = new EnvelopeCipher(p, keys, new SessionStore(db, vault), contacts);
  const events: MessengerEvent[] = [];
  let messenger: Messenger | null = null;
  const outbox = new Outbox(p, db, vault, relayOutboxTransport(api), (event) => {
    void messenger?.onOutboxEvent(event);
  });
  messenger = new Messenger({
    p,
    api,
    cipher,
    contacts,
    outbox,
    history: new MessageStore<ChatMessage>(db, vault.codec),
    codec: vault.codec,
    onEvent: (event) => events.push(event),
  });
  const device: TestDevice = {
    username,
    account,
    db,
    http,
    api,
    contacts,
    cipher,
    outbox,
    messenger,
    events,
    connect() {
      let cursor = 0;
      const states: SocketState[] = [];
      const socket = new RelaySocket({
        url: `${relay.baseUrl.replace('http', 'ws')}/api/v1/socket`,
        open: (url) => new WebSocket(url, { headers: http.headers() }),
        cursor: {
          get: async () => cursor,
          set: async (seq) => {
            cursor = seq;
          },
        },
        onEnvelope: (frame) => messenger.receive(fromBase64Url(frame.body)),
        onReady: () => {
          void outbox.flush({ force: true });
        },
        onState: (state) => states.push(state),
      });
      socket.start();
      return Object.assign(socket, { states });
    },
  };
  return device;
}

/** Pins the contact's key from the directory (trust on first use) and accepts its device list. */
export async function addContact(device: TestDevice, username: string): Promise<void> {
  const entry = await device.api.directory(username);
  await device.contacts.observe(username, entry.accountKey);
  await device.contacts.acceptDeviceList(username, entry.deviceList);
}

export async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
