// Every error the relay raises on purpose, with a stable RELAY_ERR_* code (as Fastify's lib/errors.js).
import createError from '@fastify/error';

export const RelayConfigError = createError<'RELAY_ERR_CONFIG', 500, [details: string]>(
  'RELAY_ERR_CONFIG',
  'Invalid relay configuration:\n%s',
  500,
);
