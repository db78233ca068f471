// Every route the relay registers, with its method and body schema, collected as Fastify adds them.
// The attack suites (docs/security.md) walk this table, so a route added later is fuzzed and
// CSRF-checked without anyone remembering to list it.
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';

export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  /** The JSON schema of the body, when the route declares one. */
  readonly bodySchema: unknown;
  /** The route's own body limit in bytes, when it sets one (else the app's). */
  readonly bodyLimit: number | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: readonly RouteEntry[];
  }
}

async function routeTable(app: FastifyInstance): Promise<void> {
  const table: RouteEntry[] = [];
  app.decorate('routeTable', table);
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      table.push({
        method,
        url: route.url,
        bodySchema: route.schema?.body,
        bodyLimit: route.bodyLimit,
      });
    }
  });
}

export default fp(routeTable, { name: 'route-table' });
