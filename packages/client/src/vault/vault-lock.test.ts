import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { loadPrimitives, type Primitives } from '@veil/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { VeilDatabase } from '../store/veil-database';
import { IdleLock, type IdleClock } from './idle-lock';
import { VaultLock } from './vault-lock';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

describe('vault lock', () => {
  it('creates, locks, and unlocks offline with the password or a passkey PRF secret only', async () => {
    const db = new VeilDatabase('vault-lock-test', { indexedDB, IDBKeyRange });
    const vault = new VaultLock(p, db);
    const states: string[] = [];
    vault.onChange((state) => states.push(state));
    await vault.create('correct horse battery staple');
    const sealed = vault.codec.seal('secrets', 'identity', { secret: 'CANARY-vault' });
    const prf = p.randomBytes(32);
    await vault.addPasskey('cred-1', prf);
    vault.lock();
    expect(() => vault.codec).toThrow(/locked/);

    // A second instance over the same database: as after a reload, with no network.
    const reopened = new VaultLock(p, db);
    await expect(reopened.unlockWithPassword('wrong password')).rejects.toMatchObject({
      code: 'DECRYPT_FAILED',
    });
    expect(reopened.unlocked).toBe(false);
    await reopened.unlockWithPassword('correct horse battery staple');
    expect(reopened.codec.open('secrets', 'identity', sealed)).toEqual({ secret: 'CANARY-vault' });
    reopened.lock();
    await expect(reopened.unlockWithPasskey('cred-1', p.randomBytes(32))).rejects.toMatchObject({
      code: 'DECRYPT_FAILED',
    });
    await reopened.unlockWithPasskey('cred-1', prf);
    expect(reopened.codec.open('secrets', 'identity', sealed)).toEqual({ secret: 'CANARY-vault' });

    await reopened.changePassword('a new long passphrase');
    reopened.lock();
    await expect(reopened.unlockWithPassword('correct horse battery staple')).rejects.toMatchObject(
      { code: 'DECRYPT_FAILED' },
    );
    await reopened.unlockWithPassword('a new long passphrase');
    await reopened.removePasskey('cred-1');
    reopened.lock();
    await expect(reopened.unlockWithPasskey('cred-1', prf)).rejects.toThrow(/does not open/);
    expect(states).toEqual(['unlocked', 'locked']);
    expect(JSON.stringify(await db.meta.toArray())).not.toContain('CANARY');
    await db.delete();
  });
});

describe('idle lock', () => {
  function fakeClock() {
    let now = 0;
    const timers: { at: number; callback: () => void; id: number }[] = [];
    let nextId = 1;
    const clock: IdleClock = {
      now: () => now,
      setTimeout: (callback, ms) => {
        const id = nextId++;
        timers.push({ at: now + ms, callback, id });
        return id;
      },
      clearTimeout: (handle) => {
        const index = timers.findIndex((t) => t.id === handle);
        if (index >= 0) timers.splice(index, 1);
      },
    };
    const advance = (ms: number): void => {
      const until = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (next === undefined || next.at > until) break;
        timers.shift();
        now = next.at;
        next.callback();
      }
      now = until;
    };
    return { clock, advance };
  }

  it('locks after the idle time, and activity postpones it', () => {
    const { clock, advance } = fakeClock();
    let locked = 0;
    const idle = new IdleLock(() => locked++, 5 * 60_000, clock);
    idle.start();
    advance(4 * 60_000);
    idle.activity();
    advance(4 * 60_000);
    expect(locked).toBe(0);
    advance(60_000);
    expect(locked).toBe(1);
    idle.start();
    idle.setTimeoutMs(60_000);
    advance(59_000);
    expect(locked).toBe(1);
    advance(1_000);
    expect(locked).toBe(2);
    idle.start();
    idle.stop();
    advance(10 * 60_000);
    expect(locked).toBe(2);
  });

  it('check() locks at once when the idle time passed but the timer has not run (hidden tab)', () => {
    let now = 0;
    const clock: IdleClock = { now: () => now, setTimeout: () => 1, clearTimeout: () => {} };
    let locked = 0;
    const idle = new IdleLock(() => locked++, 60_000, clock);
    idle.check();
    expect(locked).toBe(0); // not started: nothing to lock
    idle.start();
    now = 59_000;
    idle.check();
    expect(locked).toBe(0);
    now = 60_000;
    idle.check();
    idle.check();
    expect(locked).toBe(1);
  });
});
