// A complete client device for tests against a real relay: a VeilDevice on its own fake IndexedDB,
// signed up and registered, plus a socket opened with the `ws` package (Node has no browser cookie
// jar, so the session cookie is passed as a header).
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { fromBase64Url, type Primitives } from '@veil/protocol';
import WebSocket from 'ws';
import type { EnvelopeFrame } from '@veil/wire';
import type { MessengerEvent } from '../messaging/messenger';
import type { KeyStretching } from '../relay/password-auth';
import { RelayHttp } from '../relay/relay-http';
import { RelaySocket, type SocketState } from '../relay/relay-socket';
import { VeilDatabase } from '../store/veil-database';
import { VeilDevice } from '../veil-device';

/** Cheap for tests only; the real client keeps the library's memory-hard default. */
export const TEST_STRETCHING: KeyStretching = {
  'argon2id-custom': { iterations: 1, memory: 64, parallelism: 1 },
};

export interface RelayAddress {
  readonly baseUrl: string;
  readonly origin: string;
  /**
   * Sent as X-Forwarded-For (to a relay started with VEIL_TRUST_PROXY=1), so many test clients on
   * one machine each get their own per-address rate-limit budget, as real users would.
   */
  readonly forwardedFor?: string;
}

function relayHttp(relay: RelayAddress): RelayHttp {
  const { forwardedFor } = relay;
  if (forwardedFor === undefined)
    return new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
  return new RelayHttp({
    baseUrl: relay.baseUrl,
    origin: relay.origin,
    fetch: (url, init) =>
      fetch(url, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-for': forwardedFor },
      }),
  });
}

export type TestDevice = VeilDevice & {
  readonly username: string;
  readonly http: RelayHttp;
  readonly db: VeilDatabase;
  readonly events: MessengerEvent[];
  /** Opens the live socket; `stop()` on the result closes it. */
  connect(): RelaySocket & { states: SocketState[]; frames: EnvelopeFrame[] };
};

let count = 0;

export function testDatabase(username: string): VeilDatabase {
  return new VeilDatabase(`test-device-${++count}-${username}`, { indexedDB, IDBKeyRange });
}

export function socketFor(
  device: VeilDevice,
  http: RelayHttp,
  relay: RelayAddress,
): RelaySocket & { states: SocketState[]; frames: EnvelopeFrame[] } {
  let cursor = 0;
  const states: SocketState[] = [];
  const frames: EnvelopeFrame[] = [];
  const socket = new RelaySocket({
    url: `${relay.baseUrl.replace('http', 'ws')}/api/v1/socket`,
    open: (url) =>
      new WebSocket(url, {
        headers: http.headers(
          relay.forwardedFor === undefined ? {} : { 'x-forwarded-for': relay.forwardedFor },
        ),
      }),
    cursor: {
      get: async () => cursor,
      set: async (seq) => {
        cursor = seq;
      },
    },
    onEnvelope: (frame) => {
      frames.push(frame);
      return device.messenger.receive(
        fromBase64Url(frame.body),
        frame.keyRecord === undefined ? undefined : fromBase64Url(frame.keyRecord),
      );
    },
    onReady: () => {
      void device.outbox.flush({ force: true });
      device.attachments.sendQueued().catch(() => undefined);
    },
    onDeviceList: (counter) => {
      void device.ownDeviceListChanged(counter);
    },
    onState: (state) => {
      states.push(state);
      device.setConnected(state === 'open');
    },
  });
  socket.start();
  return Object.assign(socket, { states, frames });
}

export async function newTestDevice(
  p: Primitives,
  relay: RelayAddress,
  username: string,
  clock?: { now: () => number },
): Promise<TestDevice> {
  const http = relayHttp(relay);
  const db = testDatabase(username);
  const events: MessengerEvent[] = [];
  const device = await VeilDevice.create({
    p,
    db,
    http,
    username,
    password: `${username} password`,
    keyStretching: TEST_STRETCHING,
    onEvent: (event) => events.push(event),
    ...(clock === undefined ? {} : { now: clock.now }),
  });
  return Object.assign(device, {
    username,
    http,
    db,
    events,
    connect: () => socketFor(device, http, relay),
  });
}

/**
 * Another device of an existing account, added with the password (`VeilDevice.addToAccount`);
 * `secondFactor` answers the relay when the account has TOTP.
 */
export async function addTestDevice(
  p: Primitives,
  relay: RelayAddress,
  username: string,
  secondFactor?: () => Promise<{ code: string } | { recoveryCode: string }>,
  password = `${username} password`,
  clock?: { now: () => number },
): Promise<TestDevice> {
  const http = relayHttp(relay);
  const db = testDatabase(username);
  const events: MessengerEvent[] = [];
  const device = await VeilDevice.addToAccount({
    p,
    db,
    http,
    username,
    password,
    ...(secondFactor === undefined ? {} : { secondFactor }),
    deviceName: 'Second browser',
    keyStretching: TEST_STRETCHING,
    onEvent: (event) => events.push(event),
    ...(clock === undefined ? {} : { now: clock.now }),
  });
  return Object.assign(device, {
    username,
    http,
    db,
    events,
    connect: () => socketFor(device, http, relay),
  });
}

/** Pins the contact's key from the directory (trust on first use) and accepts its device list. */
export function addContact(device: VeilDevice, username: string): Promise<void> {
  return device.addContact(username);
}

export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
