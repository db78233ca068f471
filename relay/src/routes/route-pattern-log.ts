// Request-log serializers for routes whose path holds a capability (a blob id, a link channel id):
// the log names the route pattern (`/api/v1/blobs/:id`) instead of the path, so the id never
// reaches a log line.
import type { FastifyRequest } from 'fastify';

export const routePatternLog = {
  req: (request: FastifyRequest) => ({ method: request.method, path: request.routeOptions.url }),
};
