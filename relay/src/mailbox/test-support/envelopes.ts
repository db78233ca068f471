// Envelope submissions for relay tests. Bodies are random bytes (the relay cannot tell them from
// sealed envelopes, which is the point); a test can put a marker in them to find them again.
import { randomBytes } from 'node:crypto';
import type { Recipient, SubmitBody, SubmitReply } from '@veil/wire';
import type { Answer, AuthClient } from '../../auth/test-support/auth-client';

export function newClientId(): string {
  return randomBytes(16).toString('base64url');
}

export function randomBody(size = 1024, marker?: string): string {
  const body = randomBytes(size);
  if (marker !== undefined) body.write(marker, 0);
  return body.toString('base64url');
}

export function submitBody(to: readonly Recipient[], body = randomBody()): SubmitBody {
  return { clientId: newClientId(), envelopes: [{ body, to: [...to] }] };
}

export function submit(client: AuthClient, body: SubmitBody): Promise<Answer<SubmitReply>> {
  return client.call<SubmitReply>('POST', '/api/v1/messages', body);
}

/** Sends one envelope to `to` and fails the test unless the relay acknowledged it. */
export async function send(
  client: AuthClient,
  to: readonly Recipient[],
  body?: string,
): Promise<SubmitBody> {
  const submission = submitBody(to, body);
  const answer = await submit(client, submission);
  if (answer.status !== 200) throw new Error(`submit failed: ${JSON.stringify(answer.body)}`);
  return submission;
}
