// Suite 1 — a malicious relay. Real VeilDevices talk to the real relay through a proxy that the
// test turns hostile (hostile-relay.ts): it drops, delays, reorders, duplicates and replays socket
// frames, tampers with envelopes, substitutes bundles and directory entries, replays a one-time
// prekey and slips a ghost device or an unsigned/rolled-back list into a device list; it flips,
// cuts and swaps attachment blobs; and group operations are forged, unauthorised or replayed. After
// each attack: nothing forged is shown, nothing is shown twice, key changes are surfaced, a ghost
// gets nothing, and honest traffic still flows. VEIL_SOAK=1 repeats the frame attacks more often.
import {
  ATTACHMENT_CIPHERTEXT_CHUNK_SIZE,
  createAccountIdentity,
  createDeviceKeys,
  decodeDeviceList,
  decodeGroupOperation,
  encodeDeviceList,
  fromBase64Url,
  loadPrimitives,
  proposeGroupOperation,
  signDeviceList,
  signGroupOperation,
  toBase64Url,
  type AttachmentPointer,
  type Primitives,
} from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AttachmentError } from '../attachments/attachment-error';
import { sourceFromBytes } from '../attachments/attachment-source';
import { GroupLog } from '../groups/group-log';
import { newTestDevice, until, type TestDevice } from '../test-support/test-device';
import { AttackTable } from './attack-table';
import { startHostileRelay, type HostileRelay } from './hostile-relay';

const ROUNDS = process.env['VEIL_SOAK'] === '1' ? 20 : 3;
/**
 * The blob and group-operation attacks took 76 s and 141 s on the loaded machine (load average
 * 24) against limits of 60 s and 90 s; the limit only bounds a hang.
 */
const SLOW_TEST_MS = 240_000;

let p: Primitives;
let relay: TestRelay;
let hostile: HostileRelay;
const table = new AttackTable();

beforeAll(async () => {
  p = await loadPrimitives();
});
// A bound for a hung start, not a speed target: the machine these suites run on is shared.
beforeEach(async () => {
  relay = await startRelay();
  hostile = await startHostileRelay(relay);
}, 60_000);
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
      // A late frame of an earlier phase (a redelivery after the drop) can take one of the three
      // places: whatever is still held after the sends settle is released, last first, too.
      await settle();
      hostile.rewriteFrames(null);
      for (const frame of held.splice(0).reverse()) hostile.inject(frame);
      await until(
        async () => {
          const texts = await received(bob, 'alice');
          return [0, 1, 2].every((i) => texts.includes(`reordered ${round}.${i}`));
        },
        'reordered ones',
        30_000,
      );
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

  it(
    'flips, cuts and swaps attachment blobs: refused (TAMPERED) before anything is shown',
    async () => {
      const { alice, bob } = await pair();
      // Three chunks and a bit, so a flip in the last chunk comes after plaintext that decrypted.
      const file = p.randomBytes(3 * 64 * 1024 + 1000);
      const other = p.randomBytes(file.length);
      for (const [bytes, fileName] of [
        [file, 'report.pdf'],
        [other, 'other.pdf'],
      ] as const)
        await alice.attachments.send(
          { peer: 'bob' },
          { source: sourceFromBytes(bytes), meta: { contentType: 'application/pdf', fileName } },
        );
      let pointers: AttachmentPointer[] = [];
      await until(async () => {
        const history = await bob.messenger.history('alice', { limit: 10 });
        pointers = history.flatMap((m) =>
          m.value.attachment === undefined ? [] : [m.value.attachment],
        );
        return pointers.length === 2;
      }, 'both attachments arrive');
      const [target, swapped] = pointers as [AttachmentPointer, AttachmentPointer];
      let swappedBytes: Uint8Array | undefined;
      hostile.rewriteBlobs(({ id, bytes }) => {
        if (id === swapped.blobId) swappedBytes = bytes;
        return undefined;
      });
      await bob.attachments.open(swapped); // the relay keeps a copy of the other blob to serve
      const last = target.ciphertextSize - 5;
      const flip = (at: number) => (b: Uint8Array) => b.map((x, i) => (i === at ? x ^ 1 : x));
      const attacks: [string, (bytes: Uint8Array) => Uint8Array][] = [
        ['bit-flip attachment blob (first chunk)', flip(10)],
        ['bit-flip attachment blob (last chunk)', flip(last)],
        ['truncate attachment blob', (b) => b.slice(0, b.length - 100)],
        [
          'drop the last chunk of an attachment blob',
          (b) => b.slice(0, 3 * ATTACHMENT_CIPHERTEXT_CHUNK_SIZE),
        ],
        ['append bytes to an attachment blob', (b) => new Uint8Array([...b, ...p.randomBytes(64)])],
        ['serve another blob’s bytes', () => swappedBytes!],
        ['serve an empty blob', () => new Uint8Array(0)],
      ];
      for (const [name, tamper] of attacks) {
        hostile.rewriteBlobs(({ id, bytes }) => (id === target.blobId ? tamper(bytes) : undefined));
        let progressed = 0;
        const outcome = await bob.attachments
          .open(target, { onProgress: ({ done }) => (progressed = done) })
          .then(
            () => 'shown',
            (error: unknown) =>
              error instanceof AttachmentError && error.code === 'TAMPERED' ? 'refused' : 'other',
          );
        // Refused with TAMPERED, and nothing returned: the decrypted chunks before the fault were
        // never handed out (open() resolves only after the digest and length matched).
        table.record(name, outcome === 'refused');
        expect(outcome, `${name} (read ${progressed} bytes)`).toBe('refused');
      }
      // Nothing altered was cached: with the relay honest again, the real file opens.
      hostile.rewriteBlobs(null);
      const opened = new Uint8Array(await (await bob.attachments.open(target)).arrayBuffer());
      expect(opened).toEqual(file);
      expect(table.allRefused()).toBe(true);
      alice.stop();
      bob.stop();
    },
    SLOW_TEST_MS,
  );

  it(
    'forges group operations (unsigned, re-signed, unauthorised add, replays): refused by the members',
    async () => {
      const alice = await online('alice');
      const bob = await online('bob');
      const mallory = await online('mallory');
      const eve = await online('eve');
      for (const [a, b] of [
        [alice, bob],
        [alice, mallory],
        [bob, alice],
        [mallory, alice],
        [mallory, bob],
        [bob, mallory],
        [mallory, eve],
      ] as const)
        await a.addContact(b.name);
      const groupId = await alice.groups.create('team', ['bob', 'mallory']);
      const id = fromBase64Url(groupId);
      await until(async () => (await bob.groups.state(groupId)) !== undefined, 'bob joins');
      await until(async () => (await mallory.groups.state(groupId)) !== undefined, 'mallory joins');
      await alice.groups.rename(groupId, 'team 2');
      for (const member of [bob, mallory])
        await until(async () => (await member.groups.state(groupId))?.name === 'team 2', 'rename');

      const bobSees = async () => ({
        state: await bob.groups.state(groupId),
        rows: (await bob.groups.history(groupId, { limit: 500 })).length,
      });
      const stateOf = await mallory.groups.state(groupId);
      const malloryId = (await mallory.keys.identity()).account;
      const eveEntry = await mallory.api.directory('eve');
      const eveMember = { accountId: 'eve', accountKey: eveEntry.accountKey };
      const byMallory = proposeGroupOperation(p, {
        state: stateOf!,
        signer: malloryId,
        body: { type: 'add', member: eveMember },
      });
      const inAliceName = signGroupOperation(p, {
        unsigned: { ...decodeGroupOperation(byMallory), signer: 'alice' },
        signerSecret: malloryId.keyPair.secretKey,
      });
      const unsigned = inAliceName.map((x, i) => (i >= inAliceName.length - 64 ? 0 : x));
      const log = await new GroupLog(mallory.db, mallory.vault).list(id);
      const forgeries: [string, Uint8Array][] = [
        ['group op: unsigned (zero signature) in the admin name', unsigned],
        ['group op: in the admin name, signed by another key', inAliceName],
        ['group op: member the admin never added (added by a non-admin)', byMallory],
        ['group op: replayed create', log[0]!],
        ['group op: replayed rename', log[1]!],
      ];
      for (const [name, operation] of forgeries) {
        const before = await bobSees();
        // Mallory is a member with a genuine session to Bob, so her envelope opens: only the group
        // layer stands between the forgery and Bob's state.
        await mallory.messenger.sendContent('bob', {
          type: 'groupOperation',
          messageId: p.randomBytes(16),
          sentAt: Date.now(),
          operation,
        });
        const marker = `after ${name}`;
        await alice.groups.sendText(groupId, marker);
        await until(
          async () =>
            (await bob.groups.history(groupId, { limit: 500 })).some(
              (m) => m.value.text === marker,
            ),
          `${name}: the next message arrives`,
        );
        const after = await bobSees();
        const refused =
          after.state!.epoch === before.state!.epoch &&
          after.state!.members.length === 2 + 1 &&
          !after.state!.members.some((m) => m.accountId === 'eve') &&
          after.rows === before.rows + 1;
        table.record(name, refused);
        expect(refused, name).toBe(true);
      }
      // The relay replays every envelope it ever pushed (operations, sender keys, group messages).
      const before = await bobSees();
      for (const frame of [...hostile.seenFrames]) hostile.inject(frame);
      await settle(500);
      const after = await bobSees();
      table.record(
        'replay every group envelope (operations, keys, messages)',
        after.rows === before.rows && after.state!.epoch === before.state!.epoch,
      );
      // Eve, never added, received nothing of the group.
      table.record(
        'group: non-member receives the group',
        (await eve.groups.state(groupId)) === undefined,
      );
      expect(table.allRefused()).toBe(true);
      for (const d of [alice, bob, mallory, eve]) d.stop();
    },
    SLOW_TEST_MS,
  );
});
