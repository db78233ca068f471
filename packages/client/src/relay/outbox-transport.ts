// The outbox's way to the relay. What is worth retrying (no network, the relay busy or failing)
// stays queued; what the relay refused for good (a bad request, a device that no longer exists)
// fails the entry so the UI can say so.
import { OutboxError, type OutboxTransport } from '../messaging/outbox';
import type { RelayApi } from './relay-api';
import { RelayError } from './relay-http';

export function relayOutboxTransport(api: RelayApi): OutboxTransport {
  return {
    async submit(entry) {
      try {
        const reply = await api.submit({
          clientId: entry.clientId,
          envelopes: [{ body: entry.body, recipients: entry.recipients }],
        });
        return reply.lists === undefined ? {} : { lists: reply.lists };
      } catch (error) {
        if (!(error instanceof RelayError)) throw error;
        const retryable = error.network || error.status === 429 || error.status >= 500;
        throw new OutboxError(`${error.code}: ${error.message}`, retryable);
      }
    },
  };
}
