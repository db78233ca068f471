// The rendezvous mailbox of device linking against a real relay: a registered device opens a
// channel, anyone holding its id reads what each side posted; messages are size-capped, a side gets
// a few and no more, only the opening account posts as the existing side, channels expire, an
// account holds few at once, and a malformed channel id or side is refused before anything is
// stored.
import { randomBytes } from 'node:crypto';
import { LINK_LIMITS, type LinkMessagesReply } from '@veil/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthClient } from '../../auth/test-support/auth-client';
import { registeredDevice } from '../../keys/test-support/device-client';
import { LinkRendezvous, OPEN_CHANNELS_PER_ACCOUNT } from '../../link/link-rendezvous';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

let relay: TestRelay | undefined;
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

const channel = (): string => randomBytes(16).toString('base64url');
const message = (bytes: number): string => randomBytes(bytes).toString('base64url');

describe('link rendezvous', () => {
  it('relays each side’s messages in order, caps their size and number, refuses bad ids', async () => {
    relay = await startRelay();
    const client = new AuthClient(relay);
    const device = (await registeredDevice(relay, 'linker', { oneTimeCount: 0 })).client;
    const id = channel();
    // Only a registered device opens a channel; the new browser can only answer an open one.
    expect(
      (await client.call('POST', `/api/v1/link/${id}/existing`, { message: message(33) })).status,
    ).toBe(401);
    expect(
      await client.call('POST', `/api/v1/link/${id}/new`, { message: message(33) }),
    ).toMatchObject({ status: 404, body: { code: 'RELAY_ERR_LINK_UNKNOWN' } });
    expect((await client.call<LinkMessagesReply>('GET', `/api/v1/link/${id}/new`)).body).toEqual({
      messages: [],
    });
    const sent = [message(33), message(100)];
    for (const m of sent) {
      expect(
        (await device.call('POST', `/api/v1/link/${id}/existing`, { message: m })).status,
      ).toBe(204);
    }
    expect((await client.call('GET', `/api/v1/link/${id}/existing`)).body).toEqual({
      messages: sent,
    });
    expect((await client.call('GET', `/api/v1/link/${id}/new`)).body).toEqual({ messages: [] });

    const tooBig = await client.call('POST', `/api/v1/link/${id}/new`, {
      message: message(LINK_LIMITS.maxMessageBytes + 1),
    });
    expect(tooBig.status).toBe(400);
    for (let i = 0; i < LINK_LIMITS.maxMessagesPerSide - sent.length; i++) {
      await device.call('POST', `/api/v1/link/${id}/existing`, { message: message(10) });
    }
    const full = await device.call('POST', `/api/v1/link/${id}/existing`, { message: message(10) });
    expect(full).toMatchObject({ status: 409, body: { code: 'RELAY_ERR_LINK_FULL' } });

    expect((await client.call('GET', `/api/v1/link/not-an-id/new`)).status).toBe(400);
    expect((await client.call('GET', `/api/v1/link/${id}/other`)).status).toBe(400);
  }, 20_000);

  it('takes later existing-side posts only from the account that opened the channel', async () => {
    relay = await startRelay();
    const reader = new AuthClient(relay);
    const alice = (await registeredDevice(relay, 'alice', { oneTimeCount: 0 })).client;
    const mallory = (await registeredDevice(relay, 'mallory', { oneTimeCount: 0 })).client;
    const id = channel();
    const opening = message(33);
    expect(
      (await alice.call('POST', `/api/v1/link/${id}/existing`, { message: opening })).status,
    ).toBe(204);
    // Another account holding the id is told what an unknown id gets, and spends nothing.
    for (let i = 0; i < LINK_LIMITS.maxMessagesPerSide; i++) {
      expect(
        await mallory.call('POST', `/api/v1/link/${id}/existing`, { message: message(10) }),
      ).toMatchObject({ status: 404, body: { code: 'RELAY_ERR_LINK_UNKNOWN' } });
    }
    const reply = message(40);
    expect(
      (await alice.call('POST', `/api/v1/link/${id}/existing`, { message: reply })).status,
    ).toBe(204);
    expect((await reader.call('GET', `/api/v1/link/${id}/existing`)).body).toEqual({
      messages: [opening, reply],
    });
  }, 20_000);

  it('forgets a channel when its five minutes are up, and holds a bounded number', () => {
    let now = 0;
    const rendezvous = new LinkRendezvous(() => now);
    rendezvous.post('a', 'existing', 'x', 1);
    rendezvous.post('a', 'new', 'x');
    now = LINK_LIMITS.ttlMs - 1;
    expect(rendezvous.read('a', 'new')).toEqual(['x']);
    now = LINK_LIMITS.ttlMs;
    expect(rendezvous.read('a', 'new')).toEqual([]);
    expect(rendezvous.size).toBe(0);
    for (let i = 0; i < OPEN_CHANNELS_PER_ACCOUNT; i++)
      rendezvous.post(`own${i}`, 'existing', 'x', 7);
    expect(() => rendezvous.post('own-more', 'existing', 'x', 7)).toThrow('Too many devices');
    for (let i = 0; rendezvous.size < LINK_LIMITS.maxChannels; i++)
      rendezvous.post(`c${i}`, 'existing', 'x', 100 + i);
    expect(() => rendezvous.post('one-more', 'existing', 'x', 1)).toThrow('Too many devices');
  });
});
