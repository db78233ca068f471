// A relay killed with SIGKILL in the middle of a stream of submissions, then restarted on the same
// data directory, still holds every envelope it acknowledged, each exactly once. What the sender
// did not hear back about may or may not be there; a retry with the same client id settles it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MailboxPage } from '@veil/wire';
import { afterAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../auth/test-support/auth-client';
import { registeredDevice } from '../keys/test-support/device-client';
import { startRelayProcess, type RelayProcess } from '../test-support/relay-process';
import { newClientId, randomBody, submit } from './test-support/envelopes';

let scratch: string | undefined;
let running: RelayProcess | undefined;

afterAll(async () => {
  await running?.kill();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** A client whose relay address can move to the restarted process. */
function moveTo(client: AuthClient, relay: RelayProcess): AuthClient {
  const moved = new AuthClient({ baseUrl: relay.baseUrl, origin: relay.origin });
  moved.cookie = client.cookie;
  return moved;
}

describe('a relay killed mid-stream', () => {
  it('loses no acknowledged envelope and stores none twice', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'veil-durability-'));
    const env = { VEIL_DATA_DIR: join(scratch, 'data') };
    running = await startRelayProcess(env);
    const alice = await registeredDevice(running, 'alice', { oneTimeCount: 0 });
    const bob = await registeredDevice(running, 'bob', { oneTimeCount: 0 });

    const acknowledged = new Set<string>();
    const attempted = new Set<string>();
    let killing = false;
    const sender = async () => {
      while (!killing) {
        const clientId = newClientId();
        attempted.add(clientId);
        try {
          const answer = await submit(alice.client, {
            clientId,
            envelopes: [
              { body: randomBody(1024, clientId), to: [{ username: 'bob', deviceId: 1 }] },
            ],
          });
          if (answer.status === 200) acknowledged.add(clientId);
        } catch {
          return; // the connection died with the relay
        }
      }
    };
    const senders = Array.from({ length: 6 }, () => sender());
    while (acknowledged.size < 150) await new Promise((resolve) => setTimeout(resolve, 5));
    killing = true;
    await running.kill();
    await Promise.all(senders);
    expect(attempted.size).toBeGreaterThan(acknowledged.size - 1);

    running = await startRelayProcess(env);
    const reader = moveTo(bob.client, running);
    const seen: string[] = [];
    const seqs: number[] = [];
    let after = 0;
    for (;;) {
      const page = await reader.call<MailboxPage>(
        'GET',
        `/api/v1/mailbox?after=${after}&limit=100`,
      );
      expect(page.status).toBe(200);
      for (const envelope of page.body.envelopes) {
        seen.push(Buffer.from(envelope.body, 'base64url').subarray(0, 22).toString('utf8'));
        seqs.push(envelope.seq);
        after = envelope.seq;
      }
      if (!page.body.more) break;
    }
    for (const clientId of acknowledged) expect(seen).toContain(clientId);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const clientId of seen) expect(attempted.has(clientId)).toBe(true);

    // A sender retrying what it never heard back about stores nothing twice.
    const writer = moveTo(alice.client, running);
    const unanswered = [...attempted].filter((id) => !acknowledged.has(id));
    for (const clientId of unanswered) {
      const stored = seen.includes(clientId);
      const answer = await submit(writer, {
        clientId,
        envelopes: [{ body: randomBody(1024, clientId), to: [{ username: 'bob', deviceId: 1 }] }],
      });
      // The body is random, so a stored one differs: the relay says the id was used for other content.
      expect(answer.status).toBe(stored ? 409 : 200);
    }
    await running.stop();
    running = undefined;
  }, 120_000);
});
