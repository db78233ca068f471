// The client's network half against a real relay listening on 127.0.0.1 with a real SQLite file:
// OPAQUE sign-up and sign-in, device registration with keys from the KeyStore, a PQXDH session
// through a fetched bundle, sealed envelopes over HTTP and the socket, resume after a reconnect
// (every envelope once), and the stop codes.
import { fromBase64Url, loadPrimitives, utf8, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import type { EnvelopeFrame } from '@veil/wire';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VeilDatabase } from '../store/veil-database';
import { signIn } from './password-auth';
import {
  addContact,
  newTestDevice,
  TEST_STRETCHING,
  until,
  type TestDevice,
} from '../test-support/test-device';
import { RelayApi } from './relay-api';
import { RelayError, RelayHttp } from './relay-http';
import { RelaySocket, type SocketState } from './relay-socket';

const STRETCH = TEST_STRETCHING;

let p: Primitives;
let relay: TestRelay;
const databases: VeilDatabase[] = [];
beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await relay.stop();
});
afterAll(async () => {
  for (const db of databases) await db.delete();
});

type Device = TestDevice;
const newDevice = (username: string) => newTestDevice(p, relay, username);

async function sendText(from: Device, to: string, text: string): Promise<void> {
  const sealed = await from.cipher.encrypt({
    recipient: { accountId: to, deviceId: 1 },
    plaintext: utf8(text),
    fetchBundle: async () => (await from.api.bundles(to, [1])).get(1)!,
  });
  const reply = await from.api.submit({
    clientId: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url'),
    envelopes: [{ body: sealed, recipients: [{ username: to, deviceId: 1 }] }],
  });
  expect(reply.duplicate).toBe(false);
}

function socketFor(device: Device, received: string[], states: SocketState[], from = 0) {
  let cursor = from;
  const socket = new RelaySocket({
    url: `${relay.baseUrl.replace('http', 'ws')}/api/v1/socket`,
    open: (url) => new WebSocket(url, { headers: device.http.headers() }),
    cursor: {
      get: async () => cursor,
      set: async (seq) => {
        cursor = seq;
      },
    },
    onEnvelope: async (frame: EnvelopeFrame) => {
      const opened = await device.cipher.decrypt(fromBase64Url(frame.body));
      received.push(new TextDecoder().decode(opened.plaintext));
    },
    onState: (state) => states.push(state),
  });
  return { socket, cursor: () => cursor };
}

describe('the client against a real relay', () => {
  it('signs in again with the password, and refuses a wrong one locally', async () => {
    await newDevice('alice');
    const http = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
    const result = await signIn(http, {
      username: 'alice',
      password: 'alice password',
      keyStretching: STRETCH,
    });
    expect(result.status).toBe('signed-in');
    expect(result.exportKey.length).toBeGreaterThan(40);
    await expect(
      signIn(http, { username: 'alice', password: 'wrong', keyStretching: STRETCH }),
    ).rejects.toMatchObject({ code: 'RELAY_ERR_INVALID_CREDENTIALS' });
    await expect(new RelayApi(http).directory('nobody')).rejects.toBeInstanceOf(RelayError);
  });

  it('carries a conversation both ways, live and after a reconnect, each message once', async () => {
    const alice = await newDevice('alice');
    const bob = await newDevice('bob');
    await addContact(alice, 'bob');
    await addContact(bob, 'alice');

    const bobInbox: string[] = [];
    const bobStates: SocketState[] = [];
    const bobSocket = socketFor(bob, bobInbox, bobStates);
    bobSocket.socket.start();
    await until(() => bobSocket.socket.state === 'open', 'bob online');

    await sendText(alice, 'bob', 'Hello Bob');
    await until(() => bobInbox.length === 1, 'first message');
    expect(bobInbox).toEqual(['Hello Bob']);

    // Bob answers; Alice, without a socket, reads her mailbox over HTTP.
    await sendText(bob, 'alice', 'Hi Alice');
    const page = await alice.api.mailbox(0);
    const opened = await alice.cipher.decrypt(fromBase64Url(page.envelopes[0]!.body));
    expect(new TextDecoder().decode(opened.plaintext)).toBe('Hi Alice');
    await alice.api.ack(page.envelopes[0]!.seq);

    // Bob goes offline; Alice keeps writing; Bob comes back and gets exactly what he missed.
    bobSocket.socket.stop();
    for (const text of ['one', 'two', 'three']) await sendText(alice, 'bob', text);
    // A new socket resumes from the cursor the old one saved.
    const resumed = socketFor(bob, bobInbox, bobStates, bobSocket.cursor()).socket;
    resumed.start();
    await until(() => bobInbox.length === 4, 'the missed messages');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(bobInbox).toEqual(['Hello Bob', 'one', 'two', 'three']);
    resumed.stop();
  });

  it('stops reconnecting when the relay ends the session', async () => {
    const bob = await newDevice('bob');
    const states: SocketState[] = [];
    const { socket } = socketFor(bob, [], states);
    socket.start();
    await until(() => socket.state === 'open', 'online');
    await bob.http.post('/api/v1/auth/logout');
    await until(() => socket.state === 'signed-out', 'signed out');
    expect(states).toEqual(['connecting', 'open', 'signed-out']);
  });
});
