import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { loadPrimitives, utf8, type Primitives } from '@veil/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VeilDatabase } from '../store/veil-database';
import { VaultLock } from '../vault/vault-lock';
import { Outbox, OutboxError, type OutboxEvent, type OutboxTransport } from './outbox';

let p: Primitives;
let db: VeilDatabase;
let vault: VaultLock;
beforeAll(async () => {
  p = await loadPrimitives();
  db = new VeilDatabase('outbox-test', { indexedDB, IDBKeyRange });
  vault = new VaultLock(p, db);
  await vault.create('a long enough password');
});
afterAll(async () => {
  await db.delete();
});

/** A relay stand-in that de-duplicates by client id, as the real one does, and can be offline. */
function fakeRelay() {
  const stored = new Map<string, string>();
  let online = true;
  let refuse = new Set<string>();
  const transport: OutboxTransport = {
    async submit({ clientId, body }) {
      if (!online) throw new TypeError('fetch failed');
      if (refuse.has(clientId)) throw new OutboxError('recipient device unknown', false);
      stored.set(clientId, new TextDecoder().decode(body));
      return {};
    },
  };
  return {
    transport,
    stored,
    setOnline: (value: boolean) => (online = value),
    refuse: (ids: string[]) => (refuse = new Set(ids)),
  };
}

describe('outbox', () => {
  it('keeps envelopes across a network outage and sends them in order, once each', async () => {
    const relay = fakeRelay();
    let clock = 0;
    const events: OutboxEvent[] = [];
    const outbox = new Outbox(
      p,
      db,
      vault,
      relay.transport,
      (e) => events.push(e),
      () => clock,
    );
    relay.setOnline(false);
    const ids = [];
    for (const text of ['one', 'two', 'three']) {
      ids.push(
        await outbox.enqueue({
          body: utf8(text),
          recipients: [{ username: 'bob', deviceId: 1 }],
          messageId: text,
        }),
      );
    }
    await outbox.flush();
    expect(relay.stored.size).toBe(0);
    expect((await outbox.pending()).map((e) => e.attempts)).toEqual([1, 0, 0]);

    // Back online: the backoff holds until forced (as on `online` or socket open) or elapsed.
    relay.setOnline(true);
    await outbox.flush();
    expect(relay.stored.size).toBe(0);
    clock += 120_000;
    await outbox.flush();
    expect([...relay.stored.keys()]).toEqual(ids);
    expect([...relay.stored.values()]).toEqual(['one', 'two', 'three']);
    expect(events.map((e) => e.type)).toEqual(['sent', 'sent', 'sent']);
    expect(await outbox.pending()).toEqual([]);
  });

  it('marks refused entries failed without blocking the rest, and survives a reload', async () => {
    const relay = fakeRelay();
    const events: OutboxEvent[] = [];
    const outbox = new Outbox(p, db, vault, relay.transport, (e) => events.push(e));
    const bad = await outbox.enqueue({
      body: utf8('to nobody'),
      recipients: [{ username: 'ghost', deviceId: 9 }],
    });
    await outbox.enqueue({ body: utf8('fine'), recipients: [{ username: 'bob', deviceId: 1 }] });
    relay.refuse([bad]);
    // A second Outbox over the same database, as after a reload: it sees the stored entries.
    const reloaded = new Outbox(p, db, vault, relay.transport, (e) => events.push(e));
    await Promise.all([reloaded.flush({ force: true }), reloaded.flush()]);
    expect([...relay.stored.values()]).toEqual(['fine']);
    expect(events.map((e) => e.type)).toEqual(['failed', 'sent']);
    const pending = await outbox.pending();
    expect(pending).toHaveLength(1);
    expect(pending[0]!.failed).toBe(true);
    await outbox.discard(bad);
    expect(await outbox.pending()).toEqual([]);
    const raw = JSON.stringify(await db.outbox.toArray());
    expect(raw).not.toContain('bob');
  });

  it('sends an entry enqueued while a flush is running, within that same flush', async () => {
    const relay = fakeRelay();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const slow: OutboxTransport = {
      async submit(envelope) {
        if (first) {
          first = false;
          await gate;
        }
        return relay.transport.submit(envelope);
      },
    };
    const outbox = new Outbox(p, db, vault, slow);
    const recipients = [{ username: 'bob', deviceId: 1 }];
    const a = await outbox.enqueue({ body: utf8('delivered receipt'), recipients });
    const running = outbox.flush();
    // While the first submit is in flight, another entry arrives and asks for a flush.
    const b = await outbox.enqueue({ body: utf8('read receipt'), recipients });
    const joined = outbox.flush();
    release();
    await Promise.all([running, joined]);
    expect([...relay.stored.keys()]).toEqual([a, b]);
    expect(await outbox.pending()).toEqual([]);
  });
});
