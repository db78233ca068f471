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

export const RelayInvalidCredentialsError = createError<'RELAY_ERR_INVALID_CREDENTIALS', 401>(
  'RELAY_ERR_INVALID_CREDENTIALS',
  'The username or password is not right',
  401,
);

export const RelayUsernameTakenError = createError<'RELAY_ERR_USERNAME_TAKEN', 409>(
  'RELAY_ERR_USERNAME_TAKEN',
  'That username is not available',
  409,
);

export const RelayRegistrationClosedError = createError<'RELAY_ERR_REGISTRATION_CLOSED', 403>(
  'RELAY_ERR_REGISTRATION_CLOSED',
  'This relay is not accepting new accounts',
  403,
);
