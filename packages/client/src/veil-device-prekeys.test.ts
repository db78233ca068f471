// Prekey upkeep against a real relay: once contacts' session starts have used up most one-time
// prekeys, the device tops them up to the target (and no further), and rotates a week-old signed
// prekey; two triggers at once upload one refill.
import { loadPrimitives, PREKEY_POLICY, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newTestDevice } from './test-support/test-device';

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

describe('VeilDevice.maintainPrekeys', () => {
  it('tops one-time prekeys up when they run low, once, and leaves a full stock alone', async () => {
    const bob = await newTestDevice(p, relay, 'bob');
    const alice = await newTestDevice(p, relay, 'alice');
    expect((await bob.api.prekeyCount()).oneTime).toBe(PREKEY_POLICY.target);
    // A few real session starts take prekeys; the rest are taken behind the relay's back (as
    // many fetches would, without spending the relay's rate budget on it).
    for (let i = 0; i < 3; i++) await alice.api.bundles('bob');
    const keep = PREKEY_POLICY.refillBelow - 5;
    await relay.app.db
      .deleteFrom('one_time_prekeys')
      .where('prekey_id', '>', keep + 3)
      .where('account_id', 'in', (eb) =>
        eb.selectFrom('accounts').select('id').where('username', '=', 'bob'),
      )
      .execute();
    const low = await bob.api.prekeyCount();
    expect(low.oneTime).toBeLessThan(PREKEY_POLICY.refillBelow);

    await Promise.all([bob.maintainPrekeys(), bob.maintainPrekeys()]);
    const after = await bob.api.prekeyCount();
    expect(after.oneTime).toBe(PREKEY_POLICY.target);
    expect(after.pqOneTime).toBe(PREKEY_POLICY.target);

    await bob.maintainPrekeys();
    expect((await bob.api.prekeyCount()).oneTime).toBe(PREKEY_POLICY.target);
  });

  it('rotates a signed prekey older than a week', async () => {
    const bob = await newTestDevice(p, relay, 'bob');
    const before = await bob.api.prekeyCount();
    await relay.app.db
      .updateTable('signed_prekeys')
      .set({ created_at: Date.now() - PREKEY_POLICY.signedPrekeyLifetimeMs - 1000 })
      .execute();
    await bob.maintainPrekeys();
    const after = await bob.api.prekeyCount();
    expect(after.signedPrekeyAt).not.toBeNull();
    expect(after.signedPrekeyAt!).toBeGreaterThanOrEqual(before.signedPrekeyAt!);
    expect(Date.now() - after.signedPrekeyAt!).toBeLessThan(60_000);
  });
});
