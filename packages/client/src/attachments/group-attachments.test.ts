// Attachments in groups and attachments that wait for the relay, against a real relay on 127.0.0.1:
// an image sent to a group of three arrives with its thumbnail at both others and opens verified;
// replies, reactions, edits, deletes and the disappearing timer apply to it as to a text, and a
// delete or an expiry also drops the copy kept for offline viewing; a removed member is sent no key
// record and cannot open the attachment record; a blob altered on the relay is refused in a group
// too; and a file chosen offline is stored encrypted, survives a restart of the client store, and
// is uploaded and sent (1:1 and group) once the relay is reachable again.
import { fromBase64Url, loadPrimitives, openFromMany, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GroupCipher } from '../groups/group-cipher';
import type { ChatMessage } from '../messaging/chat-message';
import { RelayHttp } from '../relay/relay-http';
import { VeilDatabase } from '../store/veil-database';
import {
  addContact,
  newTestDevice,
  socketFor,
  testDatabase,
  until,
  type TestDevice,
} from '../test-support/test-device';
import { VaultLock } from '../vault/vault-lock';
import { VeilDevice } from '../veil-device';
import { AttachmentError } from './attachment-error';
import { AttachmentQueue } from './attachment-queue';
import { sourceFromBytes } from './attachment-source';

let p: Primitives;
let relay: TestRelay;
let offset = 0;
const clock = { now: () => Date.now() + offset };
const stops: (() => void)[] = [];
beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(async () => {
  offset = 0;
  relay = await startRelay();
});
afterEach(async () => {
  stops.splice(0).forEach((stop) => stop());
  await relay.stop();
});

function fileBytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

const image = (seed: number, caption = '') => ({
  source: sourceFromBytes(fileBytes(150_000, seed)),
  meta: {
    contentType: 'image/png',
    fileName: `photo-${seed}.png`,
    width: 4,
    height: 3,
    thumbnail: fileBytes(500, seed),
  },
  caption,
});

async function holds(blob: Blob, expected: Uint8Array): Promise<boolean> {
  return Buffer.from(await blob.arrayBuffer()).equals(expected);
}

/** Alice (with everyone as contacts) and the others, online; a group of all of them. */
async function group(...names: string[]): Promise<{
  devices: TestDevice[];
  sockets: ReturnType<TestDevice['connect']>[];
  groupId: string;
}> {
  const devices: TestDevice[] = [];
  for (const name of names) devices.push(await newTestDevice(p, relay, name, clock));
  for (const other of names.slice(1)) await addContact(devices[0]!, other);
  const sockets = devices.map((d) => d.connect());
  stops.push(...sockets.map((s) => () => s.stop()));
  await until(() => sockets.every((s) => s.state === 'open'), 'everyone online');
  const groupId = await devices[0]!.groups.create('Photos', names.slice(1));
  for (const d of devices) {
    await until(async () => (await d.groups.state(groupId))?.members.length === names.length, 'in');
  }
  return { devices, sockets, groupId };
}

async function groupMessage(
  device: TestDevice,
  groupId: string,
  match: (m: ChatMessage) => boolean,
): Promise<ChatMessage> {
  let found: ChatMessage | undefined;
  await until(async () => {
    found = (await device.groups.history(groupId, { limit: 100 }))
      .map((row) => row.value)
      .find(match);
    return found !== undefined;
  }, 'group message');
  return found!;
}

const byFile = (name: string) => (m: ChatMessage) => m.attachment?.fileName === name;

describe('attachments in groups', () => {
  it('an image reaches every member; actions and timers apply; tampering and removal are refused', async () => {
    const { devices, sockets, groupId } = await group('alice', 'bob', 'carol');
    const [alice, bob, carol] = devices as [TestDevice, TestDevice, TestDevice];
    const [, bobSocket, carolSocket] = sockets as [
      unknown,
      (typeof sockets)[0],
      (typeof sockets)[0],
    ];
    const sent = await alice.attachments.send({ group: groupId }, image(1, 'the summit'));
    expect(sent.group).toBe(groupId);
    for (const member of [bob, carol]) {
      const got = await groupMessage(member, groupId, byFile('photo-1.png'));
      expect(got.peer).toBe('alice');
      expect(got.text).toBe('the summit');
      expect(got.attachment?.thumbnail).toEqual(fileBytes(500, 1));
      expect(
        await holds(await member.attachments.open(got.attachment!), fileBytes(150_000, 1)),
      ).toBe(true);
    }

    // Bob answers with a picture of his own, Carol reacts, Alice edits her caption.
    const first = await groupMessage(bob, groupId, byFile('photo-1.png'));
    const answer = await bob.attachments.send({ group: groupId }, image(2));
    await bob.groups.sendText(groupId, 'nice', first.id);
    await carol.groups.react(groupId, first.id, '🔥');
    await alice.groups.edit(groupId, first.id, 'the summit at dawn');
    const edited = await groupMessage(
      carol,
      groupId,
      (m) => m.id === first.id && m.text === 'the summit at dawn',
    );
    expect(edited.attachment?.fileName).toBe('photo-1.png');
    await groupMessage(
      alice,
      groupId,
      (m) => m.id === first.id && m.reactions?.carol?.emoji === '🔥',
    );
    await groupMessage(alice, groupId, (m) => m.text === 'nice' && m.replyTo === first.id);
    await groupMessage(alice, groupId, (m) => m.id === answer.id);

    // A third image Bob opens and keeps (the control), then Alice's first is deleted for everyone.
    const kept = await alice.attachments.send({ group: groupId }, image(3));
    const keptAtBob = await groupMessage(bob, groupId, (m) => m.id === kept.id);
    await bob.attachments.open(keptAtBob.attachment!);
    await alice.groups.deleteForEveryone(groupId, first.id);
    await groupMessage(bob, groupId, (m) => m.id === first.id && m.deleted === true);
    expect((await groupMessage(bob, groupId, (m) => m.id === first.id)).attachment).toBeUndefined();

    // With a timer on, an image carries it, and disappears from Bob's device when due.
    await alice.groups.setDisappearingTimer(groupId, 60);
    await until(async () => (await bob.groups.disappearingTimer(groupId)) === 60, 'timer at bob');
    const fleeting = await alice.attachments.send({ group: groupId }, image(4));
    const fleetingAtBob = await groupMessage(bob, groupId, (m) => m.id === fleeting.id);
    expect(fleetingAtBob.expiresAt).toBeDefined();
    await bob.attachments.open(fleetingAtBob.attachment!);
    offset += 61_000;
    await bob.disappearing.sweep();
    await until(async () => {
      const left = await bob.groups.history(groupId, { limit: 100 });
      return !left.some((row) => row.value.id === fleeting.id);
    }, 'gone when due');

    // Bob's picture altered on the relay (an operator, a disk fault): Carol is shown nothing of it.
    const answerAtCarol = await groupMessage(carol, groupId, (m) => m.id === answer.id);
    const file = await open(join(relay.dataDir, 'blobs', answer.attachment!.blobId), 'r+');
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, 100);
    byte[0] = byte[0]! ^ 0x80;
    await file.write(byte, 0, 1, 100);
    await file.close();
    await expect(carol.attachments.open(answerAtCarol.attachment!)).rejects.toMatchObject({
      name: 'AttachmentError',
      code: 'TAMPERED',
    });

    // The relay forgets every blob: only what Bob still keeps on his device opens.
    await relay.app.blobs.sweep(Date.now() + offset + relay.config.blobTtlMs + 60_000);
    expect(
      await holds(await bob.attachments.open(keptAtBob.attachment!), fileBytes(150_000, 3)),
    ).toBe(true);
    await expect(bob.attachments.open(first.attachment!)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    await expect(bob.attachments.open(fleetingAtBob.attachment!)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });

    // Carol is removed: a later image's record (and its key) is not hers to open.
    await alice.groups.remove(groupId, 'carol');
    await until(async () => (await carol.groups.state(groupId))?.members.length === 2, 'removed');
    await until(async () => (await bob.groups.state(groupId))?.members.length === 2, 'bob saw it');
    const carolFrames = carolSocket.frames.length;
    const after = await alice.attachments.send({ group: groupId }, image(5, 'only for bob'));
    const atBob = await groupMessage(bob, groupId, (m) => m.id === after.id);
    expect(atBob.attachment?.fileName).toBe('photo-5.png');

    // Nothing with a key record reached Carol; Bob's copy is what she would need, and her group
    // cipher (every sender key she was ever given) cannot open it.
    expect(carolSocket.frames.slice(carolFrames).some((f) => f.keyRecord !== undefined)).toBe(
      false,
    );
    const frame = bobSocket.frames.filter((f) => f.keyRecord !== undefined).at(-1)!;
    const body = openFromMany(p, {
      identity: (await bob.keys.identity()).device.identity,
      body: fromBase64Url(frame.body),
      keyRecord: fromBase64Url(frame.keyRecord!),
    }).body;
    const carolIdentity = await carol.keys.identity();
    const carolCipher = new GroupCipher(p, carol.db, carol.vault, {
      account: carolIdentity.account,
      deviceId: carolIdentity.device.deviceId,
    });
    await expect(carolCipher.decrypt(body)).rejects.toMatchObject({ code: 'UNKNOWN_SENDER' });
    const carolRows = await carol.groups.history(groupId, { limit: 100 });
    expect(carolRows.some((row) => row.value.id === after.id)).toBe(false);
  }, 90_000);
});

describe('attachments waiting to send', () => {
  it('chosen offline: stored encrypted, kept across a restart, sent (1:1 and group) once online', async () => {
    const { devices, sockets, groupId } = await group('alice', 'bob');
    const [alice, bob] = devices as [TestDevice, TestDevice];
    await addContact(bob, 'alice');
    sockets[0]!.stop(); // Alice goes offline

    // The same profile, opened with a network that answers nothing.
    const offline = new RelayHttp({
      baseUrl: relay.baseUrl,
      origin: relay.origin,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    const away = await VeilDevice.open({
      ...alice.options,
      http: offline,
      password: 'alice password',
    });
    const direct = await away.attachments.sendOrQueue({ peer: 'bob' }, image(7, 'from the train'));
    const inGroup = await away.attachments.sendOrQueue({ group: groupId }, image(8));
    const dropped = await away.attachments.sendOrQueue({ peer: 'bob' }, image(9));
    expect('queued' in direct && 'queued' in inGroup && 'queued' in dropped).toBe(true);
    if (!('queued' in dropped)) return;
    await away.attachments.cancelQueued(dropped.queued.id);
    expect((await away.attachments.queued({ peer: 'bob' })).map((q) => q.meta.fileName)).toEqual([
      'photo-7.png',
    ]);
    // What is on disk is sealed: the file's bytes are nowhere in the clear.
    const stored = await alice.db.attachmentChunks.toArray();
    expect(stored).toHaveLength(2);
    const plain = Buffer.from(fileBytes(150_000, 7).subarray(1000, 1064));
    expect(stored.some((row) => Buffer.from(row.body).includes(plain))).toBe(false);
    await away.attachments.sendQueued(); // still offline: nothing goes, nothing is lost
    expect(await away.attachments.queued()).toHaveLength(2);

    // The client store is closed and opened again (a reload), now with the network back.
    alice.db.close();
    const db = new VeilDatabase(alice.db.name, { indexedDB, IDBKeyRange });
    const back = await VeilDevice.open({ ...alice.options, db, password: 'alice password' });
    expect((await back.attachments.queued()).map((q) => q.meta.fileName)).toEqual([
      'photo-7.png',
      'photo-8.png',
    ]);
    const socket = socketFor(back, alice.http, relay); // its open sends what waits
    stops.push(() => socket.stop());

    let fromTrain: ChatMessage | undefined;
    await until(async () => {
      fromTrain = (await bob.messenger.history('alice', { limit: 10 }))
        .map((row) => row.value)
        .find(byFile('photo-7.png'));
      return fromTrain !== undefined;
    }, 'the 1:1 attachment arrived');
    expect(fromTrain!.text).toBe('from the train');
    expect(
      await holds(await bob.attachments.open(fromTrain!.attachment!), fileBytes(150_000, 7)),
    ).toBe(true);
    const grouped = await groupMessage(bob, groupId, byFile('photo-8.png'));
    expect(
      await holds(await bob.attachments.open(grouped.attachment!), fileBytes(150_000, 8)),
    ).toBe(true);
    await until(async () => (await back.attachments.queued()).length === 0, 'queue empty');
    expect(await db.attachmentChunks.count()).toBe(0);
    const sentRows = await back.messenger.history('bob', { limit: 10 });
    expect(sentRows.some((row) => row.value.attachment?.fileName === 'photo-9.png')).toBe(false);
  }, 60_000);

  it('is bounded: past the bound or the quota a file is refused with STORAGE_FULL, nothing kept', async () => {
    const db = testDatabase('alice');
    const vault = new VaultLock(p, db);
    await vault.create('alice password');
    const queue = new AttachmentQueue({ p, db, vault, maxBytes: 3 * 1024 * 1024, now: Date.now });
    const meta = { contentType: 'application/zip', fileName: 'a.zip' };
    const first = await queue.add({
      target: { peer: 'bob' },
      source: sourceFromBytes(fileBytes(2 * 1024 * 1024 + 5)),
      meta,
      caption: '',
    });
    expect(first.chunks).toBe(3);
    const refused = await queue
      .add({
        target: { peer: 'bob' },
        source: sourceFromBytes(fileBytes(1024 * 1024)),
        meta,
        caption: '',
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AttachmentError);
    expect(refused).toMatchObject({ code: 'STORAGE_FULL' });
    expect(await db.attachmentChunks.count()).toBe(3);

    // The browser's quota runs out on the second chunk: the error says so, and no chunk stays.
    await queue.remove(first.id);
    const put = db.attachmentChunks.put.bind(db.attachmentChunks);
    let puts = 0;
    const refusing = (row: Parameters<typeof put>[0]) =>
      ++puts === 2 ? Promise.reject(new DOMException('full', 'QuotaExceededError')) : put(row);
    db.attachmentChunks.put = refusing as unknown as typeof put;
    const full = await queue
      .add({
        target: { group: 'g' },
        source: sourceFromBytes(fileBytes(1024 * 1024 + 1)),
        meta,
        caption: '',
      })
      .catch((e: unknown) => e);
    expect(full).toMatchObject({ name: 'AttachmentError', code: 'STORAGE_FULL' });
    expect(await db.attachmentChunks.count()).toBe(0);
    expect(await queue.list()).toEqual([]);
  });
});
