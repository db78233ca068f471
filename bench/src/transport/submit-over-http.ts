// The load generator's senders: JSON POSTs over keep-alive HTTP connections, each request from the
// next of many loopback source addresses (127.0.2.x), so the relay's per-address budget
// (600 submissions a minute) sees many senders, as in production, rather than one flooding address.

import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';

const SENDER_ADDRESSES = 200;

export interface Poster {
  /** POSTs `body` (JSON text) and resolves with the status once the whole reply has arrived. */
  post(body: string): Promise<number>;
  close(): void;
}

/**
 * Requests sent again, by either server's posters, because the server had closed an idle
 * keep-alive connection just as it was reused (Node's documented race: `reusedSocket` and
 * ECONNRESET, a connection closed before the request was read). Were a request ever read before
 * the reset, the relay would take the repeat as the same submission (its clientId), and the bare
 * server, which keeps no ids, would deliver it twice and fail the run on the duplicate. The
 * transport section resets the count and reports it.
 */
export const resentRequests = { count: 0 };

export function poster(url: string, headers: Record<string, string>): Poster {
  const target = new URL(url);
  const agents = Array.from(
    { length: SENDER_ADDRESSES },
    (_, i) =>
      new Agent({ keepAlive: true, maxSockets: 4, localAddress: `127.0.2.${String(i + 1)}` }),
  );
  let turn = 0;
  return {
    post(body) {
      const agent = agents[turn++ % agents.length]!;
      const attempt = (retried: boolean): Promise<number> =>
        new Promise((resolve, reject) => {
          const req = request(
            {
              host: target.hostname,
              port: target.port,
              path: target.pathname,
              method: 'POST',
              agent,
              headers: {
                ...headers,
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
              },
            },
            (response) => {
              response.resume();
              response.on('end', () => resolve(response.statusCode ?? 0));
            },
          );
          req.on('error', (error: NodeJS.ErrnoException) => {
            if (!retried && req.reusedSocket && error.code === 'ECONNRESET') {
              resentRequests.count += 1;
              resolve(attempt(true));
            } else reject(error);
          });
          req.end(body);
        });
      return attempt(false);
    },
    close: () => {
      for (const agent of agents) agent.destroy();
    },
  };
}

/** A submit body (the relay's `POST /api/v1/messages` shape) of one body for many recipients. */
export function submitBody(body: string, recipients: readonly string[]): string {
  return JSON.stringify({
    clientId: randomBytes(16).toString('base64url'),
    envelopes: [{ body, to: recipients.map((username) => ({ username, deviceId: 1 })) }],
  });
}
