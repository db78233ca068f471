// Invite links end to end against a real relay on 127.0.0.1: an admin's link brings in someone who
// is nobody's contact (request over a fresh pairwise session, proof checked, ordinary `add`), who
// reads what is sent after and cannot open what was sent before; a forged proof and a request made
// with a link since reset are refused; and the relay never sees the link's secret. Links anyone can
// make that name admins no relay could have named are refused before anything is shown or sent.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodeInviteLink,
  fromBase64Url,
  joinRequestProof,
  loadPrimitives,
  openFromMany,
  ProtocolError,
  toBase64Url,
  type Ed25519PublicKey,
  type Primitives,
} from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addContact, newTestDevice, until, type TestDevice } from '../test-support/test-device';
import { GroupCipher } from './group-cipher';
import { parseInviteLink, previewInvite } from './invite-links';

let p: Primitives;
let relay: TestRelay;
beforeAll(async () => {
  p = await loadPrimitives();
});
/** A relay for each test of the describe block that calls it (the links' checks need none). */
function useRelay(): void {
  beforeEach(async () => {
    relay = await startRelay();
  });
  afterEach(async () => {
    await relay.stop();
  });
}

const ORIGIN = 'https://veil.test';

const texts = async (device: TestDevice, groupId: string): Promise<string[]> =>
  (await device.groups.history(groupId, { limit: 100 }))
    .filter((m) => m.value.groupEvent === undefined)
    .map((m) => `${m.value.peer}:${m.value.text}`);

const members = async (device: TestDevice, groupId: string): Promise<string[]> =>
  (await device.groups.state(groupId))?.members.map((m) => m.accountId) ?? [];

let sockets: ReturnType<TestDevice['connect']>[] = [];
afterEach(() => {
  for (const socket of sockets) socket.stop();
  sockets = [];
});

/** Alice (admin) in a group with Bob; Dave, a stranger to both, online too. */
async function setUp() {
  const alice = await newTestDevice(p, relay, 'alice');
  const bob = await newTestDevice(p, relay, 'bob');
  const dave = await newTestDevice(p, relay, 'dave');
  await addContact(alice, 'bob');
  sockets = [alice, bob, dave].map((d) => d.connect());
  await until(() => sockets.every((s) => s.state === 'open'), 'everyone online');
  const groupId = await alice.groups.create('Climbing', ['bob']);
  await until(async () => (await members(bob, groupId)).length === 2, 'bob joined');
  return { alice, bob, dave, groupId, bobSocket: sockets[1]! };
}

describe('group invite links', () => {
  useRelay();

  it('brings a stranger in by link; they read what follows and nothing before', async () => {
    const { alice, bob, dave, groupId, bobSocket } = await setUp();
    await alice.groups.sendText(groupId, 'Before Dave');
    await until(async () => (await texts(bob, groupId)).includes('alice:Before Dave'), 'before');
    const earlier = bobSocket.frames.filter((f) => f.keyRecord !== undefined).at(-1)!;

    const url = await alice.groups.invites.createLink(groupId, ORIGIN);
    expect(url.startsWith(`${ORIGIN}/join#`)).toBe(true);
    expect(await alice.groups.invites.link(groupId, ORIGIN)).toBe(url);
    // Bob learns that there is a link (its public key), not the link itself.
    await until(async () => (await bob.groups.state(groupId))?.inviteKey != null, 'bob saw link');
    expect(await bob.groups.invites.link(groupId, ORIGIN)).toBeNull();

    expect(previewInvite(url)).toEqual({
      groupId,
      name: 'Climbing',
      admins: ['alice'],
    });
    expect(await dave.groups.invites.requestJoin(url)).toEqual(['alice']);
    await until(async () => (await alice.groups.invites.pending(groupId)).length === 1, 'request');
    const [request] = await alice.groups.invites.pending(groupId);
    expect(request?.accountId).toBe('dave');
    expect(request?.accountKey).toEqual((await dave.keys.identity()).account.accountKey);
    // What the admin compares with Dave before approving.
    expect((await alice.safetyNumber('dave')).groups).toEqual(
      (await dave.safetyNumber('alice')).groups,
    );

    await alice.groups.invites.approve(groupId, 'dave');
    await until(async () => (await members(dave, groupId)).length === 3, 'dave joined');
    await until(async () => (await members(bob, groupId)).includes('dave'), 'bob saw dave');
    expect(await alice.groups.invites.pending(groupId)).toEqual([]);

    await bob.groups.sendText(groupId, 'Welcome');
    await until(async () => (await texts(dave, groupId)).includes('bob:Welcome'), 'dave reads');
    await dave.groups.sendText(groupId, 'Hi all');
    for (const d of [alice, bob]) {
      await until(async () => (await texts(d, groupId)).includes('dave:Hi all'), 'dave writes');
    }

    // Per-member receipts: each member's delivered and read reach the author alone, pairwise.
    const sent = await alice.groups.sendText(groupId, 'Rope check');
    const receipts = async () =>
      (await alice.groups.history(groupId, { limit: 100 })).find((m) => m.value.id === sent.id)!
        .value;
    await until(async () => (await receipts()).mark === 'delivered', 'delivered to both');
    await bob.groups.markSeen(groupId);
    await until(async () => (await receipts()).receipts?.bob?.readAt !== undefined, 'bob read');
    const partly = await receipts();
    expect(partly.mark).toBe('delivered');
    expect(partly.receipts?.dave?.deliveredAt).toBeTypeOf('number');
    expect(partly.receipts?.dave?.readAt).toBeUndefined();
    await dave.groups.markSeen(groupId);
    await until(async () => (await receipts()).mark === 'read', 'read by both');
    expect(Object.keys((await receipts()).receipts ?? {}).sort()).toEqual(['bob', 'dave']);
    // Dave's own message got Alice's and Bob's receipts, none of anyone else's.
    const daves = (await dave.groups.history(groupId, { limit: 100 })).find(
      (m) => m.value.text === 'Hi all',
    )!.value;
    await until(async () => {
      const row = (await dave.groups.history(groupId, { limit: 100 })).find(
        (m) => m.value.id === daves.id,
      )!.value;
      return Object.keys(row.receipts ?? {}).length === 2;
    }, 'dave heard from both');

    // What Alice sent before Dave joined, as the relay handed it to Bob: with every key Dave was
    // given, his group cipher cannot open it, and it is not in his history.
    const body = openFromMany(p, {
      identity: (await bob.keys.identity()).device.identity,
      body: fromBase64Url(earlier.body),
      keyRecord: fromBase64Url(earlier.keyRecord!),
    }).body;
    const daveIdentity = await dave.keys.identity();
    const daveCipher = new GroupCipher(p, dave.db, dave.vault, {
      account: daveIdentity.account,
      deviceId: daveIdentity.device.deviceId,
    });
    await expect(daveCipher.decrypt(body)).rejects.toBeInstanceOf(ProtocolError);
    expect(await texts(dave, groupId)).not.toContain('alice:Before Dave');

    // The secret never left the devices: nothing in the relay's data directory (database, WAL)
    // holds it, raw or as the URL fragment carries it.
    const secret = parseInviteLink(url).secret;
    const files = (await readdir(relay.dataDir, { recursive: true, withFileTypes: true })).filter(
      (entry) => entry.isFile(),
    );
    const stored = await Promise.all(files.map((f) => readFile(join(f.parentPath, f.name))));
    expect(stored.length).toBeGreaterThan(0);
    for (const bytes of stored) {
      expect(Buffer.from(bytes).indexOf(Buffer.from(secret))).toBe(-1);
      expect(Buffer.from(bytes).indexOf(url.split('#')[1]!)).toBe(-1);
    }
  });

  it('refuses a forged proof and a request made with a link since reset', async () => {
    const { alice, dave, groupId } = await setUp();
    const oldUrl = await alice.groups.invites.createLink(groupId, ORIGIN);
    const link = parseInviteLink(oldUrl);
    await addContact(dave, 'alice');

    // A "proof" made without the secret (a guess): refused when it arrives.
    const daveAccount = (await dave.keys.identity()).account;
    await dave.messenger.sendContent('alice', {
      type: 'joinRequest',
      messageId: p.randomBytes(16),
      sentAt: Date.now(),
      groupId: link.groupId,
      proof: joinRequestProof(p, {
        link: { ...link, secret: p.randomBytes(32) },
        requester: daveAccount,
      }),
    });
    await until(() => alice.events.some((e) => e.type === 'rejected'), 'forgery refused');
    expect(alice.events.filter((e) => e.type === 'rejected')).toEqual([
      { type: 'rejected', reason: 'BAD_SIGNATURE' },
    ]);

    // Dave asks with the real link, then Alice resets it before answering: the request lapses.
    await dave.groups.invites.requestJoin(oldUrl);
    await until(async () => (await alice.groups.invites.pending(groupId)).length === 1, 'request');
    const newUrl = await alice.groups.invites.createLink(groupId, ORIGIN);
    expect(newUrl).not.toBe(oldUrl);
    expect(await alice.groups.invites.pending(groupId)).toEqual([]);
    await expect(alice.groups.invites.approve(groupId, 'dave')).rejects.toMatchObject({
      code: 'NOT_AUTHORIZED',
    });

    // Asking again with the old link is refused on arrival.
    await dave.groups.invites.requestJoin(oldUrl);
    await until(
      () => alice.events.filter((e) => e.type === 'rejected').length === 2,
      'old link refused',
    );
    expect(alice.events.filter((e) => e.type === 'rejected').at(-1)).toEqual({
      type: 'rejected',
      reason: 'BAD_SIGNATURE',
    });
    expect(await alice.groups.invites.pending(groupId)).toEqual([]);

    // Revoked: even the newest link's requests are refused.
    await alice.groups.invites.revokeLink(groupId);
    expect(await alice.groups.invites.link(groupId, ORIGIN)).toBeNull();
    await dave.groups.invites.requestJoin(newUrl);
    await until(
      () => alice.events.filter((e) => e.type === 'rejected').length === 3,
      'revoked link refused',
    );
    expect(alice.events.filter((e) => e.type === 'rejected').at(-1)).toEqual({
      type: 'rejected',
      reason: 'NOT_AUTHORIZED',
    });
    expect(await members(alice, groupId)).toEqual(['alice', 'bob']);
  });
});

describe('invite links anyone can make', () => {
  /** A link as its maker encodes it (the protocol takes any 1..64-byte id), opened from a URL. */
  const crafted = (admins: readonly string[]): string =>
    `${ORIGIN}/join#${toBase64Url(
      encodeInviteLink({
        groupId: p.randomBytes(16),
        secret: p.randomBytes(32),
        name: 'Climbing',
        admins: admins.map((accountId) => ({
          accountId,
          accountKey: p.randomBytes(32) as Ed25519PublicKey,
        })),
      }),
    )}`;

  it('are taken when every admin is an account id, named once', () => {
    const ids = ['alice', 'bob.smith_2', 'x-y', 'z'.repeat(32)];
    expect(previewInvite(crafted(ids)).admins).toEqual(ids);
  });

  it('are refused when an admin is not an account id, or is named twice', () => {
    const hostile: Record<string, readonly string[]> = {
      'bidi override': ['alice', 'ali\u202Eecilam'],
      'bidi isolate': ['\u2067bob\u2069'],
      'zero-width': ['bob\u200B'],
      homoglyph: ['b\u043Eb'],
      markup: ['<img src=x onerror=alert(1)>'],
      'fake sender line': ['alice\nbob: hi'],
      'upper case': ['Alice'],
      'too short': ['al'],
      'too long': ['a'.repeat(33)],
      'one of eight': ['a01', 'a02', 'a03', 'a04', 'a05', 'a06', 'a07', 'a 8'],
      duplicate: ['alice', 'bob', 'alice'],
    };
    for (const [what, admins] of Object.entries(hostile)) {
      const url = crafted(admins);
      for (const open of [parseInviteLink, previewInvite]) {
        let error: unknown;
        try {
          open(url);
        } catch (caught) {
          error = caught;
        }
        expect(error, what).toBeInstanceOf(ProtocolError);
        expect((error as ProtocolError).code, what).toBe('MALFORMED');
        // A fixed message: the maker's words stay out of it.
        expect((error as ProtocolError).message, what).toBe(
          what === 'duplicate'
            ? 'parseInviteLink: an admin is named twice'
            : 'parseInviteLink: an admin is not an account id',
        );
      }
    }
  });

  describe('requestJoin', () => {
    useRelay();

    // Without the check, it would go on to the directory and fail as UNTRUSTED_IDENTITY.
    it('refuses one before asking anyone', async () => {
      const dave = await newTestDevice(p, relay, 'dave');
      await expect(
        dave.groups.invites.requestJoin(crafted(['alice', 'Alice'])),
      ).rejects.toMatchObject({ code: 'MALFORMED' });
    });
  });
});
