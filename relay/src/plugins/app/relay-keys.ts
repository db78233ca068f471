// Loads (or, on first start, creates) the relay key file and exposes it as `app.relayKeys`.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { loadRelayKeys, type RelayKeys } from '../../secrets/relay-keys';

declare module 'fastify' {
  interface FastifyInstance {
    relayKeys: RelayKeys;
  }
}

async function relayKeys(app: FastifyInstance, options: { dataDir: string }): Promise<void> {
  app.decorate('relayKeys', await loadRelayKeys(options.dataDir));
}

export default fp(relayKeys, { name: 'relay-keys' });
