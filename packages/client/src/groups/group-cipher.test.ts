import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import {
  accountPublic,
  createAccountIdentity,
  loadPrimitives,
  utf8,
  type Primitives,
} from '@veil/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VeilDatabase } from '../store/veil-database';
import { VaultLock } from '../vault/vault-lock';
import { GroupCipher } from './group-cipher';

let p: Primitives;
const databases: VeilDatabase[] = [];
beforeAll(async () => {
  p = await loadPrimitives();
});
afterAll(async () => {
  for (const db of databases) await db.delete();
});

async function member(name: string) {
  const db = new VeilDatabase(`group-${name}`, { indexedDB, IDBKeyRange });
  databases.push(db);
  const vault = new VaultLock(p, db);
  await vault.create('a long enough password');
  const account = createAccountIdentity(p, name);
  return {
    name,
    account,
    address: { accountId: name, deviceId: 1 },
    groups: new GroupCipher(p, db, vault, { account, deviceId: 1 }),
  };
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('group cipher', () => {
  it('runs a group: create, distribute, talk, remove a member who then reads nothing', async () => {
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map(member));
    const created = await alice!.groups.create('Climbing', [
      accountPublic(bob!.account),
      accountPublic(carol!.account),
    ]);
    const groupId = created.state.groupId;
    const everyone = [alice!, bob!, carol!];
    const distributions = new Map([[alice!.name, created.distribution!]]);
    for (const m of [bob!, carol!]) {
      const change = await m.groups.apply(created.operation, accountPublic(alice!.account));
      expect(change.effect).toEqual({ type: 'create', actor: 'alice', target: null });
      distributions.set(m.name, change.distribution!);
    }
    // Each distribution goes over the pairwise session to every other member.
    for (const to of everyone) {
      for (const from of everyone) {
        if (from !== to)
          await to.groups.acceptDistribution(from.address, distributions.get(from.name)!);
      }
    }
    const hello = await bob!.groups.encrypt(groupId, utf8('hi all'));
    expect(text((await alice!.groups.decrypt(hello)).plaintext)).toBe('hi all');
    expect(text((await carol!.groups.decrypt(hello)).plaintext)).toBe('hi all');
    await expect(carol!.groups.decrypt(hello)).rejects.toMatchObject({ code: 'REPLAY' });

    // A distribution claiming another sender is refused.
    await expect(
      carol!.groups.acceptDistribution(bob!.address, distributions.get('alice')!),
    ).rejects.toMatchObject({
      code: 'UNKNOWN_SENDER',
    });

    // Alice removes Carol; the remaining members rotate and redistribute to each other only.
    const removal = await alice!.groups.propose(groupId, { type: 'remove', accountId: 'carol' });
    expect(removal.effect).toEqual({ type: 'remove', actor: 'alice', target: 'carol' });
    const bobChange = await bob!.groups.apply(removal.operation);
    await carol!.groups.apply(removal.operation);
    await bob!.groups.acceptDistribution(alice!.address, removal.distribution!);
    await alice!.groups.acceptDistribution(bob!.address, bobChange.distribution!);

    const secret = await alice!.groups.encrypt(groupId, utf8('carol is gone'));
    expect(text((await bob!.groups.decrypt(secret)).plaintext)).toBe('carol is gone');
    // Carol never received Alice's new chain: nothing she holds opens the message.
    await expect(carol!.groups.decrypt(secret)).rejects.toMatchObject({ code: 'UNKNOWN_SENDER' });
    // And Bob refuses what Carol still sends on her old chain.
    const fromCarol = await carol!.groups.encrypt(groupId, utf8('still here?'));
    await expect(bob!.groups.decrypt(fromCarol)).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
    await expect(bob!.groups.decrypt(fromCarol)).rejects.toMatchObject({
      code: 'NOT_AUTHORIZED',
    });
  });

  it('refuses an operation from a non-admin and keeps the state', async () => {
    const [alice, bob] = await Promise.all(['alice2', 'bob2'].map(member));
    const created = await alice!.groups.create('g', [accountPublic(bob!.account)]);
    await bob!.groups.apply(created.operation, accountPublic(alice!.account));
    await expect(
      bob!.groups.propose(created.state.groupId, { type: 'rename', name: 'mine' }),
    ).rejects.toMatchObject({
      code: 'NOT_AUTHORIZED',
    });
    expect((await bob!.groups.getState(created.state.groupId))!.name).toBe('g');
  });
});
