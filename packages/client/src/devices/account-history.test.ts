// A new device of an account gets everything, against a real relay: through a history transfer it
// joins the account's existing groups (verifying their signed operation logs itself), reads their
// history, and then reads and sends new group messages; through a backup file another new device
// gets the same history, contacts, groups and settings byte for byte, once however often it is
// restored. A wrong passphrase, another account's file and an altered file are refused, each with
// its own error, and leave nothing behind. Both also carry the account state (account-state.ts):
// our profile, a group's mute, the conversations' disappearing timers — a message sent from the new
// device carries its timer and disappears on both sides — and, for an admin, the invite link and
// the join requests waiting. A file of the format before that state still restores; an older
// file never undoes a change made on the new device since.
import {
  exportVaultStream,
  loadPrimitives,
  signVaultRecords,
  VAULT_ARGON2ID_MIN,
  vaultRecordsDigest,
  type AccountIdentity,
  type Primitives,
  type VaultRecord,
} from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MUTED_ALWAYS } from '../groups/group-mutes';
import type { ChatMessage } from '../messaging/chat-message';
import { addTestDevice, newTestDevice, until, type TestDevice } from '../test-support/test-device';
import { generateBackupCode } from './history-backup-export';
import {
  BACKUP_TABLE,
  encodeBackupValue,
  HISTORY_BACKUP_VERSION,
  HistoryBackupError,
} from './history-backup-records';

let p: Primitives;
let relay: TestRelay;
/** Every device's clock: moved forward to see disappearing messages go. */
let offset = 0;
const clock = { now: () => Date.now() + offset };
const ORIGIN = 'https://veil.test';
beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(async () => {
  relay = await startRelay();
  offset = 0;
});
/** The test's sockets, stopped even when it fails (a relay does not stop under open sockets). */
let live: { stop(): void }[] = [];
afterEach(async () => {
  for (const socket of live.splice(0)) socket.stop();
  await relay.stop();
});

/** Waits for something another device does: generous, as the machine running CI is shared. */
const arrive = (check: () => Promise<boolean> | boolean, what: string) =>
  until(check, what, 20_000);

/** A stored message as another device holds it: storedAt is when it was stored there. */
const strip = (m: ChatMessage) => ({ ...m, storedAt: 0 });

const direct = async (device: TestDevice, peer: string) =>
  (await device.messenger.history(peer, { limit: 100 })).map((m) => strip(m.value));

const groupTexts = async (device: TestDevice, groupId: string) =>
  (await device.groups.history(groupId, { limit: 100 }))
    .filter((m) => m.value.groupEvent === undefined)
    .map((m) => strip(m.value));

async function backup(device: TestDevice, passphrase: string): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of device.exportHistoryBackup(passphrase, VAULT_ARGON2ID_MIN)) {
    pieces.push(piece);
  }
  const file = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    file.set(piece, offset);
    offset += piece.length;
  }
  return file;
}

/** A file made by someone else under a passphrase they chose, naming Alice's account. */
async function forged(
  alice: { accountId: string; accountKey: Uint8Array },
  passphrase: string,
  seal: Uint8Array | undefined,
  extra: readonly VaultRecord[] = [],
): Promise<Uint8Array> {
  const records: VaultRecord[] = [
    {
      table: BACKUP_TABLE.manifest,
      id: 'account',
      value: encodeBackupValue({ version: HISTORY_BACKUP_VERSION, ...alice, createdAt: 1 }),
    },
    {
      table: BACKUP_TABLE.contact,
      id: 'bob',
      value: encodeBackupValue({
        accountKey: p.randomBytes(32),
        blocked: false,
        muted: false,
        verified: true,
      }),
    },
    ...extra,
    ...(seal === undefined ? [] : [{ table: BACKUP_TABLE.seal, id: 'account', value: seal }]),
  ];
  const pieces: Uint8Array[] = [];
  for await (const piece of exportVaultStream(p, {
    password: passphrase,
    params: VAULT_ARGON2ID_MIN,
    records,
  })) {
    pieces.push(piece);
  }
  return new Uint8Array(pieces.flatMap((piece) => [...piece]));
}

/** A file sealed by the account itself, holding `records` after a manifest of `version`. */
async function sealedFile(
  account: AccountIdentity,
  passphrase: string,
  version: number,
  records: readonly VaultRecord[],
): Promise<Uint8Array> {
  const all: VaultRecord[] = [
    {
      table: BACKUP_TABLE.manifest,
      id: 'account',
      value: encodeBackupValue({
        version,
        accountId: account.accountId,
        accountKey: account.accountKey,
        createdAt: 1,
      }),
    },
    ...records,
  ];
  const digest = vaultRecordsDigest(p);
  for (const record of all) digest.add(record);
  const seal = signVaultRecords(p, account, digest.digest());
  const pieces: Uint8Array[] = [];
  for await (const piece of exportVaultStream(p, {
    password: passphrase,
    params: VAULT_ARGON2ID_MIN,
    records: [...all, { table: BACKUP_TABLE.seal, id: 'account', value: seal }],
  })) {
    pieces.push(piece);
  }
  return new Uint8Array(pieces.flatMap((piece) => [...piece]));
}

/** What a new device must show as the old one does: profile, mutes, timers, invite state. */
async function accountState(device: TestDevice, groupId: string) {
  return {
    profile: await device.profile(),
    groupMute: await device.groups.mutes.mutedUntil(groupId, clock.now()),
    directTimer: await device.messenger.disappearingTimer('bob'),
    groupTimer: await device.groups.disappearingTimer(groupId),
    link: await device.groups.invites.link(groupId, ORIGIN),
    pending: (await device.groups.invites.pending(groupId)).map((r) => r.accountId),
  };
}

/** The file in pieces of 1000 bytes, as a browser's File stream hands it over. */
const pieces = (file: Uint8Array) => () =>
  Array.from({ length: Math.ceil(file.length / 1000) }, (_, i) =>
    file.subarray(i * 1000, (i + 1) * 1000),
  );

async function refused(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HistoryBackupError);
  return (error as HistoryBackupError).code;
}

describe('a new device gets the account history', () => {
  it('joins groups by transfer, and restores everything from a backup file', async () => {
    const first = await newTestDevice(p, relay, 'alice', clock);
    const bob = await newTestDevice(p, relay, 'bob', clock);
    const carol = await newTestDevice(p, relay, 'carol', clock);
    const dave = await newTestDevice(p, relay, 'dave', clock);
    await first.addContact('bob');
    await first.addContact('carol');
    await bob.addContact('alice');
    const sockets = [first.connect(), bob.connect(), carol.connect(), dave.connect()];
    live = sockets;
    await arrive(() => sockets.every((s) => s.state === 'open'), 'online');

    await bob.messenger.sendText('alice', 'hello alice');
    await arrive(async () => (await direct(first, 'bob')).length === 1, '1:1 arrived');
    await first.messenger.sendText('bob', 'hello bob');
    const groupId = await first.groups.create('Climbing', ['bob', 'carol']);
    await arrive(async () => (await bob.groups.state(groupId)) !== undefined, 'bob joined');
    await arrive(async () => (await carol.groups.state(groupId)) !== undefined, 'carol joined');
    await bob.groups.sendText(groupId, 'Saturday?');
    await arrive(async () => (await groupTexts(first, groupId)).length === 1, 'group text');
    await first.groups.sendText(groupId, 'Yes');
    await first.settings.update({ typingIndicators: true });
    // The account state beyond messages: each timer change is a timeline row too (so 2 more).
    await first.setProfile({ displayName: 'Alice', avatar: null });
    await first.setGroupMuted(groupId, MUTED_ALWAYS);
    await first.messenger.setDisappearingTimer('bob', 300);
    await first.groups.setDisappearingTimer(groupId, 3600);
    const link = await first.groups.invites.createLink(groupId, ORIGIN);
    await dave.groups.invites.requestJoin(link);
    await arrive(async () => (await first.groups.invites.pending(groupId)).length === 1, 'asked');
    const state = await accountState(first, groupId);
    expect(state).toMatchObject({ groupMute: MUTED_ALWAYS, directTimer: 300, groupTimer: 3600 });
    expect(state.pending).toEqual(['dave']);

    // A device added now knows nothing of the group until the transfer.
    const second = await addTestDevice(p, relay, 'alice', undefined, undefined, clock);
    sockets.push(second.connect());
    await arrive(() => sockets[4]!.state === 'open', 'second online');
    expect(await second.groups.state(groupId)).toBeUndefined();
    expect(await first.sync.sendHistory({ range: 'all' })).toBe(6);
    await arrive(async () => (await groupTexts(second, groupId)).length === 3, 'group history');
    expect((await second.groups.state(groupId))?.members.map((m) => m.accountId).sort()).toEqual([
      'alice',
      'bob',
      'carol',
    ]);
    expect(await groupTexts(second, groupId)).toEqual(await groupTexts(first, groupId));
    expect(await direct(second, 'bob')).toEqual(await direct(first, 'bob'));
    // The settings follow the transfer, in a record of their own.
    await arrive(async () => (await second.settings.get()).typingIndicators, 'settings');
    // The state came with it: the same profile, mute, timers, link and waiting request.
    expect(await accountState(second, groupId)).toEqual(state);
    // It reads what follows (Bob's chain came along) and is read (its own chain went to members).
    await bob.groups.sendText(groupId, 'at ten');
    await arrive(async () => (await groupTexts(second, groupId)).length === 4, 'new group text');
    await second.groups.sendText(groupId, 'from the new device');
    await arrive(async () => (await groupTexts(carol, groupId)).length === 5, 'carol reads it');
    // Under the group's timer, which it sent with the message.
    const fromSecond = (await groupTexts(carol, groupId)).at(-1)!;
    expect(fromSecond.expiresAt! - fromSecond.sentAt).toBe(3_600_000);

    // A backup file, restored on a third device: the same history, contacts, group and settings.
    // Made once the receipts for that last message are in, so the history holds still meanwhile.
    await arrive(async () => {
      const last = (await groupTexts(first, groupId)).at(-1);
      return last?.receipts?.['bob'] !== undefined && last.receipts['carol'] !== undefined;
    }, 'receipts in');
    // Locked with a generated recovery code rather than a typed passphrase.
    const code = generateBackupCode(p);
    expect(code).toMatch(/^(?:[A-Za-z0-9_-]{4}-){6}[A-Za-z0-9_-]{4}$/);
    const file = await backup(first, code);
    const third = await addTestDevice(p, relay, 'alice', undefined, undefined, clock);
    sockets.push(third.connect());
    await arrive(() => sockets[5]!.state === 'open', 'third online');
    expect(await refused(third.restoreHistoryBackup('wrong passphrase', pieces(file)))).toBe(
      'WRONG_PASSPHRASE',
    );
    const carols = await backup(carol, code);
    expect(await refused(third.restoreHistoryBackup(code, pieces(carols)))).toBe('OTHER_ACCOUNT');
    // Naming Alice's public account id and key is not enough: the file must carry her signature.
    const alice = { accountId: 'alice', accountKey: (await bob.contacts.get('alice'))!.accountKey };
    for (const seal of [undefined, p.randomBytes(64)]) {
      const fake = await forged(alice, code, seal);
      expect(await refused(third.restoreHistoryBackup(code, pieces(fake)))).toBe('OTHER_ACCOUNT');
    }
    // Not even when it holds a malformed state record: whose file it is is decided first.
    const junk = { table: BACKUP_TABLE.state, id: 'account', value: encodeBackupValue(7) };
    const fakeState = await forged(alice, code, p.randomBytes(64), [junk]);
    expect(await refused(third.restoreHistoryBackup(code, pieces(fakeState)))).toBe(
      'OTHER_ACCOUNT',
    );
    const altered = file.slice();
    altered[altered.length - 30] = altered[altered.length - 30]! ^ 1;
    expect(await refused(third.restoreHistoryBackup(code, pieces(altered)))).toBe('TAMPERED');
    expect(await refused(third.restoreHistoryBackup(code, pieces(file.subarray(0, -40))))).toBe(
      'TAMPERED',
    );
    expect(await third.contacts.list()).toEqual([]); // refused files wrote nothing

    // A file the account signed whose state record is malformed is refused whole.
    const account = (await first.keys.identity()).account;
    const badState = await sealedFile(account, code, 2, [
      { table: BACKUP_TABLE.state, id: 'account', value: encodeBackupValue({ timers: 'all' }) },
    ]);
    expect(await refused(third.restoreHistoryBackup(code, pieces(badState)))).toBe('TAMPERED');
    expect(await third.contacts.list()).toEqual([]); // refused files wrote nothing

    const restored = await third.restoreHistoryBackup(code, pieces(file));
    // Dave too: his join request made him a contact.
    expect(restored).toEqual({ messages: 8, contacts: 3, groups: 1 });
    expect(await direct(third, 'bob')).toEqual(await direct(first, 'bob'));
    expect(await groupTexts(third, groupId)).toEqual(await groupTexts(first, groupId));
    expect((await third.contacts.list()).map((c) => c.accountId).sort()).toEqual([
      'bob',
      'carol',
      'dave',
    ]);
    expect(await third.settings.get()).toEqual(await first.settings.get());
    expect(await accountState(third, groupId)).toEqual(state);
    // Restoring again adds nothing, and does not undo what was changed here since: the file's
    // mute was decided before this unmute (last writer wins, as for settings).
    await third.setGroupMuted(groupId, 0);
    expect((await third.restoreHistoryBackup(code, pieces(file))).messages).toBe(0);
    expect(await third.groups.mutes.mutedUntil(groupId, clock.now())).toBe(0);
    // A file of the format before the account state still restores; a state record in it (which
    // that format did not have) is not read.
    const older = await sealedFile(account, code, 1, [
      {
        table: BACKUP_TABLE.contact,
        id: 'bob',
        value: encodeBackupValue({
          accountKey: (await bob.keys.identity()).account.accountKey,
          blocked: false,
          muted: true,
          verified: false,
        }),
      },
      {
        table: BACKUP_TABLE.state,
        id: 'account',
        value: encodeBackupValue({
          profile: { displayName: 'Not read', avatar: null, updatedAt: Number.MAX_SAFE_INTEGER },
          groupMutes: [],
          timers: [],
          invites: [],
        }),
      },
    ]);
    expect(await third.restoreHistoryBackup(code, pieces(older))).toEqual({
      messages: 0,
      contacts: 1,
      groups: 0,
    });
    expect((await third.contacts.get('bob'))?.muted).toBe(true);
    expect((await third.profile())?.displayName).toBe('Alice');

    // The 1:1 timer travelled too: a message from the new device carries it, and once its five
    // minutes have passed it is gone on both sides.
    await second.messenger.sendText('bob', 'gone in five minutes');
    await arrive(
      async () => (await direct(bob, 'alice')).some((m) => m.text === 'gone in five minutes'),
      'bob has it',
    );
    const sent = (await direct(second, 'bob')).at(-1)!;
    expect(sent.expiresAt! - sent.sentAt).toBe(300_000);
    offset = 301_000;
    for (const device of [second, bob]) await device.disappearing.sweep();
    expect((await direct(second, 'bob')).some((m) => m.text === 'gone in five minutes')).toBe(
      false,
    );
    expect((await direct(bob, 'alice')).some((m) => m.text === 'gone in five minutes')).toBe(false);
  }, 90_000);
});
