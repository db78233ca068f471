// The rendezvous mailbox of device linking against a real relay: anyone holding a channel id reads
// what each side posted; messages are size-capped, a side gets a few and no more, channels expire,
// and a malformed channel id or side is refused before anything is stored.
import { randomBytes } from 'node:crypto';
import { LINK_LIMITS, type LinkMessagesReply } from '@veil/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthClient } from '../../auth/test-support/auth-client';
import { LinkRendezvous } from '../../link/link-rendezvous';
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
    const id = channel();
    expect((await client.call<LinkMessagesReply>('GET', `/api/v1/link/${id}/new`)).body).toEqual({
      messages: [],
    });
    const sent = [message(33), message(100)];
    for (const m of sent) {
      expect(
        (await client.call('POST', `/api/v1/link/${id}/existing`, { message: m })).status,
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
      await client.call('POST', `/api/v1/link/${id}/existing`, { message: message(10) });
    }
    const full = await client.call('POST', `/api/v1/link/${id}/existing`, { message: message(10) });
    expect(full).toMatchObject({ status: 409, body: { code: 'RELAY_ERR_LINK_FULL' } });

    expect((await client.call('GET', `/api/v1/link/not-an-id/new`)).status).toBe(400);
    expect((await client.call('GET', `/api/v1/link/${id}/other`)).status).toBe(400);
  }, 20_000);

  it('forgets a channel when its five minutes are up, and holds a bounded number', () => {
    let now = 0;
    const rendezvous = new LinkRendezvous(() => now);
    rendezvous.post('a', 'new', 'x');
    now = LINK_LIMITS.ttlMs - 1;
    expect(rendezvous.read('a', 'new')).toEqual(['x']);
    now = LINK_LIMITS.ttlMs;
    expect(rendezvous.read('a', 'new')).toEqual([]);
    expect(rendezvous.size).toBe(0);
    for (let i = 0; i < LINK_LIMITS.maxChannels; i++) rendezvous.post(`c${i}`, 'new', 'x');
    expect(() => rendezvous.post('one-more', 'new', 'x')).toThrow('Too many devices');
  });
});
