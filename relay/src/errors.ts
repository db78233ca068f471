// Every error the relay raises on purpose, with a stable RELAY_ERR_* code (as Fastify's lib/errors.js).
import createError from '@fastify/error';

export const RelayConfigError = createError<'RELAY_ERR_CONFIG', 500, [details: string]>(
  'RELAY_ERR_CONFIG',
  'Invalid relay configuration:\n%s',
  500,
);

export const RelayUnauthenticatedError = createError<'RELAY_ERR_UNAUTHENTICATED', 401>(
  'RELAY_ERR_UNAUTHENTICATED',
  'Sign in first',
  401,
);

export const RelayForbiddenOriginError = createError<'RELAY_ERR_ORIGIN', 403>(
  'RELAY_ERR_ORIGIN',
  'Requests from this origin are not allowed',
  403,
);
