// Suite 1 — a malicious relay. Real VeilDevices talk to the real relay through a proxy that the
// test turns hostile (hostile-relay.ts): it drops, delays, reorders, duplicates and replays socket
// frames, tampers with envelopes, substitutes bundles and directory entries, replays a one-time
// prekey and slips a ghost device or an unsigned/rolled-back list into a device list. After each
// attack: nothing forged is shown, nothing is shown twice, key changes are surfaced, a ghost gets
// nothing, and honest traffic still flows. VEIL_SOAK=1 repeats the frame attacks more often.
import {
  createAccountIdentity,
  createDeviceKeys,
  decodeDeviceList,
  encodeDeviceList,
  fromBase64Url,
  loadPrimitives,
  signDeviceList,
  toBase64Url,
  type Primitives,
} from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newTestDevice, until, type TestDevice } from '../test-support/test-device';
import { AttackTable } from './attack-table';
import { startHostileRelay, type HostileRelay } from './hostile-relay';

const ROUNDS = process.env['VEIL_SOAK'] === '1' ? 20 : 3;

let p: Primitives;
let relay: TestRelay;
let hostile: HostileRelay;
const table = new AttackTable();

beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(async () => {
  relay = await startRelay();
  hostile = await startHostileRelay(relay);
});
afterEach(async () => {
  await hostile.stop();
  await relay.stop();
});
afterAll(() => {
  table.print('Malicious relay');
});

/** `name` rather than TestDevice's `username`, which shadows VeilDevice.username(). */
type Online = TestDevice & { name: string; stop(): void };

async function online(username: string): Promise<Online> {
  const device = await newTestDevice(p, hostile, username);
  const socket = device.connect();
  await until(() => socket.state === 'open', `${username} online`);
  return Object.assign(device, { name: username, stop: () => socket.stop() });
}

async function pair(): Promise<{ alice: Online; bob: Online }> {
  const alice = await online('alice');
  const bob = await online('bob');
  await alice.addContact('bob');
  await bob.addContact('alice');
  return { alice, bob };
}

async function received(device: TestDevice, peer: string): Promise<string[]> {
  const history = await device.messenger.history(peer, { limit: 500 });
  return history.filter((m) => m.value.direction === 'in').map((m) => m.value.text);
}

/** Sends one honest message and waits until it is shown: traffic still flows. */
async function stillFlows(from: Online, to: Online, text: string): Promise<void> {
  await from.messenger.sendText(to.name, text);
  await until(async () => (await received(to, from.name)).includes(text), `"${text}" arrives`);
}

function shownOnce(texts: string[]): boolean {
  return new Set(texts).size === texts.length;
}

/** Lets the socket, outbox and messenger settle after an attack (no timing is asserted). */
const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a malicious relay', () => {
  it('drops, delays, duplicates, reorders and replays envelope frames: each message shown once', async () => {
    const { alice, bob } = await pair();
    await stillFlows(alice, bob, 'warm-up');

    for (let round = 0; round < ROUNDS; round++) {
      // Drop: the relay withholds the frame; the envelope stays in the mailbox (never acknowledged)
      // and arrives after the next reconnect.
      hostile.rewriteFrames((f) => (f['type'] === 'envelope' ? [] : [f]));
      await alice.messenger.sendText('bob', `dropped ${round}`);
      await settle();
      hostile.rewriteFrames(null);
      hostile.dropSockets();
      await until(
        async () => (await received(bob, 'alice')).includes(`dropped ${round}`),
        'redelivery',
      );
      table.record('drop envelope frame (redelivered on reconnect)', true);

      // Duplicate: every envelope frame twice.
      hostile.rewriteFrames((f) => (f['type'] === 'envelope' ? [f, f] : [f]));
      await stillFlows(alice, bob, `duplicated ${round}`);
      await settle();
      table.record('duplicate envelope frame', shownOnce(await received(bob, 'alice')));

      // Delay + reorder: hold three envelope frames, then release them last-first.
      const held: Record<string, unknown>[] = [];
      hostile.rewriteFrames((f) => {
        if (f['type'] !== 'envelope') return [f];
        held.push(f);
        return held.length === 3 ? held.splice(0).reverse() : [];
      });
      for (let i = 0; i < 3; i++) await alice.messenger.sendText('bob', `reordered ${round}.${i}`);
      await until(async () => {
        const texts = await received(bob, 'alice');
        return [0, 1, 2].every((i) => texts.includes(`reordered ${round}.${i}`));
      }, 'reordered ones');
      hostile.rewriteFrames(null);
      table.record('delay + reorder envelope frames', shownOnce(await received(bob, 'alice')));

      // Replay: every envelope frame the relay ever pushed to anyone, again.
      const before = (await received(bob, 'alice')).length;
      for (const frame of [...hostile.seenFrames]) hostile.inject(frame);
      await settle();
      hostile.dropSockets(); // and once more from the mailbox on reconnect
      await stillFlows(alice, bob, `after replay ${round}`);
      const after = await received(bob, 'alice');
      table.record('replay old envelope frames', shownOnce(after) && after.length === before + 1);
    }
    expect(table.allRefused()).toBe(true);
    alice.stop();
    bob.stop();
  }, 120_000);

  it('tampers with envelopes (bit flip, truncation, garbage): refused, and later messages open', async () => {
    const { alice, bob } = await pair();
    await stillFlows(alice, bob, 'warm-up');
    await stillFlows(bob, alice, 'warm-up back');
    const tamperings: [string, (body: Uint8Array) => Uint8Array][] = [
      ['bit-flip envelope body', (b) => b.map((x, i) => (i === b.length >> 1 ? x ^ 1 : x))],
      ['bit-flip envelope header', (b) => b.map((x, i) => (i === 3 ? x ^ 0x80 : x))],
      ['truncate envelope', (b) => b.slice(0, b.length - 17)],
      ['replace envelope with garbage', (b) => p.randomBytes(b.length)],
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, tamper] of tamperings) {
        const rejected = bob.events.filter((e) => e.type === 'rejected').length;
        hostile.rewriteFrames((f) =>
          f['type'] === 'envelope'
            ? [{ ...f, body: toBase64Url(tamper(fromBase64Url(f['body'] as string))) }]
            : [f],
        );
        const text = `${name} ${round}`;
        await alice.messenger.sendText('bob', text);
        await until(
          () => bob.events.filter((e) => e.type === 'rejected').length > rejected,
          `${name} rejected`,
        );
        hostile.rewriteFrames(null);
        table.record(name, !(await received(bob, 'alice')).includes(text));
        await stillFlows(alice, bob, `after ${name} ${round}`);
      }
    }
    expect(table.allRefused()).toBe(true);
    alice.stop();
    bob.stop();
  }, 120_000);

  it('substitutes a bundle of another account, or a tampered one: no session is made with it', async () => {
    const alice = await online('alice');
    const bob = await online('bob');
    const mallory = await newTestDevice(p, hostile, 'mallory');
    await bob.addContact('alice');
    await alice.addContact('bob');
    // A genuine, validly signed bundle — of the wrong account.
    const { bundles } = await bob.http.post<{ bundles: { deviceId: number; bundle: string }[] }>(
      '/api/v1/directory/mallory/bundles',
      {},
    );
    const substitutes: [string, (bundle: string) => string][] = [
      ['substitute bundle of another account', () => bundles[0]!.bundle],
      [
        'bit-flip signed prekey in bundle',
        (b) =>
          toBase64Url(fromBase64Url(b).map((x, i, all) => (i === all.length - 40 ? x ^ 1 : x))),
      ],
    ];
    for (const [name, substitute] of substitutes) {
      hostile.rewriteReplies(({ path, body }) =>
        path.endsWith('/alice/bundles')
          ? {
              bundles: (body as { bundles: { deviceId: number; bundle: string }[] }).bundles.map(
                (b) => ({ ...b, bundle: substitute(b.bundle) }),
              ),
            }
          : undefined,
      );
      const refused = await bob.messenger.sendText('alice', name).then(
        async () => {
          await settle();
          return !(await received(alice, 'bob')).includes(name);
        },
        () => true,
      );
      table.record(name, refused);
      hostile.rewriteReplies(null);
    }
    // Mallory's devices never received anything.
    expect(await mallory.api.mailbox(0)).toMatchObject({ envelopes: [] });
    await bob.outbox.flush({ force: true });
    await stillFlows(bob, alice, 'after substituted bundles');
    expect(table.allRefused()).toBe(true);
    alice.stop();
    bob.stop();
  }, 60_000);

  it('replays a one-time prekey to two senders: the second prekey message is harmless', async () => {
    const alice = await online('alice');
    const bob = await online('bob');
    const carol = await online('carol');
    await alice.addContact('bob');
    await alice.addContact('carol');
    await bob.addContact('alice');
    await carol.addContact('alice');
    let served: unknown;
    hostile.rewriteReplies(({ path, body }) => {
      if (!path.endsWith('/alice/bundles')) return undefined;
      served ??= body; // the first bundle, with its one-time prekey, is served to everyone
      return served;
    });
    await bob.messenger.sendText('alice', 'from bob');
    await until(async () => (await received(alice, 'bob')).includes('from bob'), 'bob arrives');
    // Carol's first message is built on the same one-time prekey, which Alice has used up.
    await carol.messenger.sendText('alice', 'from carol');
    await settle(500);
    hostile.rewriteReplies(null);
    table.record(
      'replay one-time prekey to a second sender',
      shownOnce(await received(alice, 'bob')) && shownOnce(await received(alice, 'carol')),
    );
    // Once the relay behaves, Carol reaches Alice again without anyone doing anything.
    await stillFlows(carol, alice, 'carol again');
    await stillFlows(bob, alice, 'bob again');
    await stillFlows(alice, carol, 'alice to carol');
    expect(table.allRefused()).toBe(true);
    for (const d of [alice, bob, carol]) d.stop();
  }, 60_000);

  it('forges device lists (ghost device, unsigned, rolled back, other key): kept out, ghost gets nothing', async () => {
    const { alice, bob } = await pair();
    await stillFlows(bob, alice, 'warm-up');
    const entry = await bob.api.directory('alice');
    const genuine = decodeDeviceList(entry.deviceList);
    const ghost = createDeviceKeys(p, 2);
    const ghostDevice = {
      deviceId: 2,
      signingKey: ghost.signing.publicKey,
      identityKey: ghost.identity.publicKey,
      name: 'ghost',
    };
    const relayKey = createAccountIdentity(p, 'alice');
    const forgeries: [string, Uint8Array, Uint8Array?][] = [
      [
        'ghost device in device list (old signature)',
        encodeDeviceList({ ...genuine, counter: 2, devices: [...genuine.devices, ghostDevice] }),
      ],
      [
        'unsigned device list',
        encodeDeviceList({ ...genuine, counter: 3, signature: new Uint8Array(64) as never }),
      ],
      [
        'rolled-back device list',
        encodeDeviceList(
          signDeviceList(p, {
            account: relayKey,
            counter: 0,
            issuedAt: 1,
            devices: genuine.devices,
          }),
        ),
      ],
      [
        'substituted identity + list signed by it (ghost)',
        encodeDeviceList(
          signDeviceList(p, {
            account: relayKey,
            counter: 9,
            issuedAt: Date.now(),
            devices: [...genuine.devices, ghostDevice],
          }),
        ),
        relayKey.accountKey,
      ],
    ];
    const submits: string[] = [];
    for (const [name, list, accountKey] of forgeries) {
      hostile.rewriteReplies(({ method, path, body }) => {
        if (method === 'POST' && path === '/api/v1/messages') submits.push(JSON.stringify(body));
        if (!path.startsWith('/api/v1/directory/alice') || path.endsWith('/bundles'))
          return undefined;
        return {
          ...(body as object),
          deviceList: toBase64Url(list),
          ...(accountKey === undefined ? {} : { accountKey: toBase64Url(accountKey) }),
        };
      });
      // Force Bob to fetch Alice's list now (as a message from an unlisted device of hers would).
      await bob.deviceLists.contactSent('alice', 2);
      const held = decodeDeviceList((await bob.contacts.get('alice'))!.deviceList!);
      table.record(
        name,
        held.devices.length === genuine.devices.length && held.counter === genuine.counter,
      );
      hostile.rewriteReplies(null);
      await stillFlows(bob, alice, `after ${name}`);
    }
    // No envelope was ever addressed to the ghost (and the relay does not know it anyway).
    table.record(
      'ghost device receives an envelope',
      !submits.some((s) => s.includes('"deviceId":2')),
    );
    expect(table.allRefused()).toBe(true);
    alice.stop();
    bob.stop();
  }, 60_000);

  it('substitutes the identity of a known contact: the key change is surfaced, not silently used', async () => {
    const { alice, bob } = await pair();
    await stillFlows(alice, bob, 'warm-up');
    const relayKey = createAccountIdentity(p, 'alice');
    const genuine = decodeDeviceList((await bob.api.directory('alice')).deviceList);
    hostile.rewriteReplies(({ path, body }) =>
      path === '/api/v1/directory/alice'
        ? {
            ...(body as object),
            accountKey: toBase64Url(relayKey.accountKey),
            deviceList: toBase64Url(
              encodeDeviceList(
                signDeviceList(p, {
                  account: relayKey,
                  counter: genuine.counter + 1,
                  issuedAt: Date.now(),
                  devices: genuine.devices,
                }),
              ),
            ),
          }
        : undefined,
    );
    // Re-adding the contact (the only path that reads a new account key) surfaces the change.
    await bob.addContact('alice').catch(() => undefined);
    const contact = (await bob.contacts.get('alice'))!;
    table.record('substituted identity of a pinned contact', contact.pendingKeyChange !== null);
    await expect(bob.messenger.sendText('alice', 'to the impostor')).rejects.toThrow('key change');
    hostile.rewriteReplies(null);
    expect(await received(alice, 'bob')).not.toContain('to the impostor');
    expect(table.allRefused()).toBe(true);
    alice.stop();
    bob.stop();
  }, 60_000);
});
