// Groups end to end against a real relay on 127.0.0.1: a group is created, grown, renamed and
// shrunk by signed operations every member applies; a removed member cannot read what follows; an
// operation from a non-admin or forged under an admin's name changes nothing; a replayed group
// message is refused; a member's second device receives (and sends) group messages too; and a
// device added later gets, with the group, only the sender-key chains that can still be used.
import {
  acceptSenderKeyDistribution,
  createAccountIdentity,
  decodeContent,
  fromBase64Url,
  loadPrimitives,
  openFromMany,
  proposeGroupOperation,
  type Primitives,
} from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addContact,
  addTestDevice,
  newTestDevice,
  until,
  type TestDevice,
} from '../test-support/test-device';
import { GroupCipher } from './group-cipher';

let p: Primitives;
let relay: TestRelay;
beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await relay.stop();
});

const texts = async (device: TestDevice, groupId: string): Promise<string[]> =>
  (await device.groups.history(groupId, { limit: 100 }))
    .filter((m) => m.value.groupEvent === undefined)
    .map((m) => `${m.value.peer}:${m.value.text}`);

const members = async (device: TestDevice, groupId: string): Promise<string[] | undefined> =>
  (await device.groups.state(groupId))?.members.map((m) => m.accountId);

async function has(device: TestDevice, groupId: string, line: string): Promise<void> {
  await until(async () => (await texts(device, groupId)).includes(line), line);
}

let sockets: Map<TestDevice, ReturnType<TestDevice['connect']>>;
beforeEach(() => {
  sockets = new Map();
});
afterEach(() => {
  for (const socket of sockets.values()) socket.stop();
});

/** Alice with contacts for everyone else; the others know only what the group tells them. */
async function people(...names: string[]): Promise<TestDevice[]> {
  const devices: TestDevice[] = [];
  for (const name of names) devices.push(await newTestDevice(p, relay, name));
  for (const other of names.slice(1)) await addContact(devices[0]!, other);
  for (const d of devices) sockets.set(d, d.connect());
  await until(() => [...sockets.values()].every((s) => s.state === 'open'), 'everyone online');
  return devices;
}

describe('group messenger', () => {
  it('creates, adds, promotes, renames, removes and leaves, with a timeline', async () => {
    const [alice, bob, carol, dave] = await people('alice', 'bob', 'carol', 'dave');
    const groupId = await alice!.groups.create('Climbing', ['bob', 'carol']);
    for (const d of [bob!, carol!]) {
      await until(async () => (await members(d, groupId))?.length === 3, 'member joined');
    }

    await alice!.groups.sendText(groupId, 'Saturday?');
    await has(bob!, groupId, 'alice:Saturday?');
    await has(carol!, groupId, 'alice:Saturday?');
    // Bob and Carol were never each other's contacts: the group's signed state introduced them.
    await bob!.groups.sendText(groupId, 'Yes');
    await has(carol!, groupId, 'bob:Yes');
    await has(alice!, groupId, 'bob:Yes');

    await alice!.groups.promote(groupId, 'bob');
    await until(
      async () => (await bob!.groups.state(groupId))?.admins.includes('bob') === true,
      'bob admin',
    );
    await bob!.groups.rename(groupId, 'Climbing club');
    for (const d of [alice!, carol!]) {
      await until(async () => (await d.groups.state(groupId))?.name === 'Climbing club', 'renamed');
    }

    // Dave comes in later: Alice sends him the whole chain, and he reads and writes from then on.
    await alice!.groups.add(groupId, 'dave');
    await until(async () => (await members(dave!, groupId))?.length === 4, 'dave joined');
    expect((await dave!.groups.state(groupId))?.name).toBe('Climbing club');
    await until(async () => (await members(carol!, groupId))?.length === 4, 'carol saw dave');
    await bob!.groups.sendText(groupId, 'Welcome Dave');
    await has(dave!, groupId, 'bob:Welcome Dave');
    await dave!.groups.sendText(groupId, 'Thanks');
    for (const d of [alice!, bob!, carol!]) await has(d, groupId, 'dave:Thanks');

    // Bob (now an admin) removes Carol: every sender key rotates, and she reads nothing after.
    await bob!.groups.remove(groupId, 'carol');
    for (const d of [alice!, carol!, dave!]) {
      await until(async () => !(await members(d, groupId))?.includes('carol'), 'carol removed');
    }
    await alice!.groups.sendText(groupId, 'After Carol');
    await has(bob!, groupId, 'alice:After Carol');
    await has(dave!, groupId, 'alice:After Carol');
    expect(await texts(carol!, groupId)).not.toContain('alice:After Carol');

    await dave!.groups.leave(groupId);
    await until(
      async () => (await members(alice!, groupId))?.includes('dave') === false,
      'dave left',
    );

    // The state is saved before its timeline row is written: wait for the row.
    const timeline = async () =>
      (await alice!.groups.history(groupId, { limit: 100 }))
        .map((m) => m.value.groupEvent)
        .filter((e) => e !== undefined)
        .map((e) => [e.type, e.actor, e.target, e.name ?? null]);
    await until(async () => (await timeline()).length === 6, 'leave in the timeline');
    expect(await timeline()).toEqual([
      ['create', 'alice', null, 'Climbing'],
      ['promote', 'alice', 'bob', null],
      ['rename', 'bob', null, 'Climbing club'],
      ['add', 'alice', 'dave', null],
      ['remove', 'bob', 'carol', null],
      ['leave', 'dave', null, null],
    ]);
    const list = await alice!.groups.list();
    expect(list.map((g) => [g.groupId, g.state.name, g.unread])).toEqual([
      [groupId, 'Climbing club', 3],
    ]);
  }, 60_000);

  it('gives a removed member no key for what is sent after', async () => {
    const [alice, bob, carol] = await people('alice', 'bob', 'carol');
    const groupId = await alice!.groups.create('Book club', ['bob', 'carol']);
    await until(async () => (await members(carol!, groupId))?.length === 3, 'carol joined');
    await alice!.groups.sendText(groupId, 'Before');
    await has(carol!, groupId, 'alice:Before');
    const carolFrames = sockets.get(carol!)!.frames.length;

    await alice!.groups.remove(groupId, 'carol');
    await until(async () => (await members(carol!, groupId))?.length === 2, 'carol saw it');
    await until(async () => (await members(bob!, groupId))?.length === 2, 'bob saw it');
    await alice!.groups.sendText(groupId, 'Only for Bob');
    await has(bob!, groupId, 'alice:Only for Bob');

    // The relay sent Carol nothing more; and Bob's copy, with his key record opened, is what she
    // would need: her group cipher, holding every key she was ever given, cannot open it.
    expect(
      sockets
        .get(carol!)!
        .frames.slice(carolFrames)
        .some((f) => f.keyRecord),
    ).toBe(false);
    const frame = sockets
      .get(bob!)!
      .frames.filter((f) => f.keyRecord !== undefined)
      .at(-1)!;
    const message = openFromMany(p, {
      identity: (await bob!.keys.identity()).device.identity,
      body: fromBase64Url(frame.body),
      keyRecord: fromBase64Url(frame.keyRecord!),
    }).body;
    const carolIdentity = await carol!.keys.identity();
    const carolCipher = new GroupCipher(p, carol!.db, carol!.vault, {
      account: carolIdentity.account,
      deviceId: carolIdentity.device.deviceId,
    });
    await expect(carolCipher.decrypt(message)).rejects.toMatchObject({ code: 'UNKNOWN_SENDER' });
    expect(await texts(carol!, groupId)).toEqual(['alice:Before']);
  });

  it('ignores operations from a non-admin or forged in an admin’s name, and refuses a replay', async () => {
    const [alice, bob, carol] = await people('alice', 'bob', 'carol');
    const bobSocket = sockets.get(bob!)!;
    const groupId = await alice!.groups.create('Ops', ['bob', 'carol']);
    for (const d of [bob!, carol!]) {
      await until(async () => (await members(d, groupId))?.length === 3, 'member joined');
    }
    const before = await bob!.groups.state(groupId);
    const carolState = (await carol!.groups.state(groupId))!;
    const carolAccount = (await carol!.keys.identity()).account;
    await addContact(carol!, 'bob');

    // Carol is a member but not an admin: her removal of Bob is signed by her and refused.
    const byMember = proposeGroupOperation(p, {
      state: carolState,
      signer: carolAccount,
      body: { type: 'remove', accountId: 'bob' },
    });
    // The same removal under Alice's name, signed by a key that is not Alice's.
    const forged = proposeGroupOperation(p, {
      state: carolState,
      signer: { ...createAccountIdentity(p, 'alice') },
      body: { type: 'remove', accountId: 'bob' },
    });
    for (const operation of [byMember, forged]) {
      await carol!.messenger.sendContent('bob', {
        type: 'groupOperation',
        messageId: p.randomBytes(16),
        sentAt: Date.now(),
        operation,
      });
    }
    await until(
      () => bob!.events.filter((e) => e.type === 'rejected').length >= 2,
      'bob refused both',
    );
    expect(bob!.events.flatMap((e) => (e.type === 'rejected' ? [e.reason] : []))).toEqual([
      'NOT_AUTHORIZED',
      'BAD_SIGNATURE',
    ]);
    expect(await bob!.groups.state(groupId)).toEqual(before);

    // A group message the relay delivers twice opens once.
    await alice!.groups.sendText(groupId, 'Once');
    await has(bob!, groupId, 'alice:Once');
    const frame = bobSocket.frames.find((f) => f.keyRecord !== undefined)!;
    await bob!.messenger.receive(fromBase64Url(frame.body), fromBase64Url(frame.keyRecord!));
    expect(bob!.events.at(-1)).toEqual({ type: 'rejected', reason: 'REPLAY' });
    expect(await texts(bob!, groupId)).toEqual(['alice:Once']);

    // Bytes the relay makes up are dropped without harm.
    await bob!.messenger.receive(p.randomBytes(300), p.randomBytes(48));
    expect(bob!.events.at(-1)?.type).toBe('rejected');
    expect(await bob!.groups.state(groupId)).toEqual(before);
  });

  it('reaches every device of a member, and a second device’s message shows as ours', async () => {
    const alice = await newTestDevice(p, relay, 'alice');
    const bob = await newTestDevice(p, relay, 'bob');
    const bob2 = await addTestDevice(p, relay, 'bob');
    await addContact(alice, 'bob');
    for (const d of [alice, bob, bob2]) sockets.set(d, d.connect());
    await until(() => [...sockets.values()].every((s) => s.state === 'open'), 'online');

    const groupId = await alice.groups.create('Two screens', ['bob']);
    for (const d of [bob, bob2]) {
      await until(async () => (await members(d, groupId))?.length === 2, 'bob device joined');
    }
    await alice.groups.sendText(groupId, 'To both');
    await has(bob, groupId, 'alice:To both');
    await has(bob2, groupId, 'alice:To both');

    await bob2.groups.sendText(groupId, 'From the second');
    await has(alice, groupId, 'bob:From the second');
    await has(bob, groupId, 'bob:From the second');
    const mine = (await bob.groups.history(groupId, { limit: 10 })).find(
      (m) => m.value.text === 'From the second',
    );
    expect(mine?.value.direction).toBe('out');
  });

  it('exports only current chains, and imports each chain on its own', async () => {
    const [alice, bob, carol] = await people('alice', 'bob', 'carol');
    const groupId = await alice!.groups.create('Handover', ['bob', 'carol']);
    for (const d of [bob!, carol!]) {
      await until(async () => (await members(d, groupId))?.length === 3, 'member joined');
    }
    // Alice holds a chain of Carol's and Bob's first one; the removal makes Bob start another.
    await carol!.groups.sendText(groupId, 'From Carol');
    await bob!.groups.sendText(groupId, 'Before');
    await has(alice!, groupId, 'carol:From Carol');
    await has(alice!, groupId, 'bob:Before');
    await alice!.groups.remove(groupId, 'carol');
    await until(async () => (await members(bob!, groupId))?.length === 2, 'bob saw it');
    await bob!.groups.sendText(groupId, 'After');
    await has(alice!, groupId, 'bob:After');

    const bundle = await alice!.groups.exportGroup(groupId);
    const state = (await alice!.groups.state(groupId))!;
    const chains = bundle.chains.map((c) => acceptSenderKeyDistribution(c));
    expect(chains.map((c) => c.sender.accountId).sort()).toEqual(['alice', 'bob']);
    expect(chains.every((c) => c.epoch >= state.keyEpoch)).toBe(true);

    // A bundle made before this fix still carries a departed member's chain: put it first, where
    // it used to make the import skip every chain after it.
    const carolIdentity = await carol!.keys.identity();
    const carolChain = await new GroupCipher(p, carol!.db, carol!.vault, {
      account: carolIdentity.account,
      deviceId: carolIdentity.device.deviceId,
    }).distributionFor(fromBase64Url(groupId));
    const second = await addTestDevice(p, relay, 'alice');
    await second.groups.importGroup({ ...bundle, chains: [carolChain, ...bundle.chains] });
    expect(second.events.flatMap((e) => (e.type === 'rejected' ? [e.reason] : []))).toEqual([
      'NOT_AUTHORIZED',
    ]);
    expect(await members(second, groupId)).toEqual(['alice', 'bob']);

    // What Bob sends next opens with the chain the new device was handed (it has no socket yet:
    // Alice's copy is opened with her key record, then decrypted with the new device's cipher).
    const aliceFrames = sockets.get(alice!)!.frames.length;
    await bob!.groups.sendText(groupId, 'Later');
    await has(alice!, groupId, 'bob:Later');
    const aliceIdentity = (await alice!.keys.identity()).device.identity;
    const secondIdentity = await second.keys.identity();
    const secondCipher = new GroupCipher(p, second.db, second.vault, {
      account: secondIdentity.account,
      deviceId: secondIdentity.device.deviceId,
    });
    const opened: string[] = [];
    for (const frame of sockets.get(alice!)!.frames.slice(aliceFrames)) {
      if (frame.keyRecord === undefined) continue;
      const { body } = openFromMany(p, {
        identity: aliceIdentity,
        body: fromBase64Url(frame.body),
        keyRecord: fromBase64Url(frame.keyRecord),
      });
      const content = decodeContent((await secondCipher.decrypt(body)).plaintext);
      if (content.type === 'text') opened.push(content.text);
    }
    expect(opened).toEqual(['Later']);

    // And the sender key the new device made once the log was replayed reaches Bob.
    sockets.set(second, second.connect());
    await second.groups.sendText(groupId, 'From the new device');
    await has(bob!, groupId, 'alice:From the new device');
  }, 30_000);
});
