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

export const RelayInviteInvalidError = createError<'RELAY_ERR_INVITE', 403>(
  'RELAY_ERR_INVITE',
  'The invite code is not valid',
  403,
);

export const RelaySecondFactorError = createError<'RELAY_ERR_SECOND_FACTOR', 401>(
  'RELAY_ERR_SECOND_FACTOR',
  'The code is not right',
  401,
);

export const RelayLoginExpiredError = createError<'RELAY_ERR_LOGIN_EXPIRED', 401>(
  'RELAY_ERR_LOGIN_EXPIRED',
  'This sign-in has expired; start again',
  401,
);

export const RelayPasskeyError = createError<'RELAY_ERR_PASSKEY', 401>(
  'RELAY_ERR_PASSKEY',
  'The passkey could not be verified',
  401,
);

export const RelayStepUpRequiredError = createError<'RELAY_ERR_STEP_UP', 403, [details: string]>(
  'RELAY_ERR_STEP_UP',
  'Confirm it is you first: %s',
  403,
);

export const RelayTotpStateError = createError<'RELAY_ERR_TOTP_STATE', 409, [details: string]>(
  'RELAY_ERR_TOTP_STATE',
  '%s',
  409,
);

export const RelayMalformedAuthError = createError<'RELAY_ERR_MALFORMED_AUTH', 400>(
  'RELAY_ERR_MALFORMED_AUTH',
  'The authentication message is malformed',
  400,
);

export const RelayPasskeyRegistrationError = createError<'RELAY_ERR_PASSKEY_REGISTRATION', 400>(
  'RELAY_ERR_PASSKEY_REGISTRATION',
  'The new passkey could not be verified',
  400,
);

export const RelayPasskeyNotFoundError = createError<'RELAY_ERR_PASSKEY_NOT_FOUND', 404>(
  'RELAY_ERR_PASSKEY_NOT_FOUND',
  'No such passkey on this account',
  404,
);

export const RelayPasskeyExistsError = createError<'RELAY_ERR_PASSKEY_EXISTS', 409>(
  'RELAY_ERR_PASSKEY_EXISTS',
  'This passkey is already registered',
  409,
);

export const RelaySessionNotFoundError = createError<'RELAY_ERR_SESSION_NOT_FOUND', 404>(
  'RELAY_ERR_SESSION_NOT_FOUND',
  'No such session on this account',
  404,
);
