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

// --- key directory and mailbox ------------------------------------------------------------------

export const RelayKeyMaterialError = createError<'RELAY_ERR_KEY_MATERIAL', 400, [details: string]>(
  'RELAY_ERR_KEY_MATERIAL',
  'The key material is not valid: %s',
  400,
);

export const RelayDeviceNotBoundError = createError<'RELAY_ERR_DEVICE_NOT_BOUND', 403>(
  'RELAY_ERR_DEVICE_NOT_BOUND',
  'Register this device, or prove it is an existing one, first',
  403,
);

export const RelayDeviceExistsError = createError<'RELAY_ERR_DEVICE_EXISTS', 409>(
  'RELAY_ERR_DEVICE_EXISTS',
  'A device with this id is already registered with other keys',
  409,
);

export const RelayDeviceClaimError = createError<'RELAY_ERR_DEVICE_CLAIM', 401>(
  'RELAY_ERR_DEVICE_CLAIM',
  'The device proof could not be verified',
  401,
);

export const RelayAccountKeyMismatchError = createError<'RELAY_ERR_ACCOUNT_KEY', 409>(
  'RELAY_ERR_ACCOUNT_KEY',
  'This account already has a different identity key',
  409,
);

export const RelayDeviceListRollbackError = createError<'RELAY_ERR_DEVICE_LIST_COUNTER', 409>(
  'RELAY_ERR_DEVICE_LIST_COUNTER',
  'The device list counter must be higher than the stored one',
  409,
);

export const RelayNoSuchAccountError = createError<'RELAY_ERR_NO_SUCH_ACCOUNT', 404>(
  'RELAY_ERR_NO_SUCH_ACCOUNT',
  'No such account, or it has no devices yet',
  404,
);

export const RelayTooManyPrekeysError = createError<'RELAY_ERR_TOO_MANY_PREKEYS', 409>(
  'RELAY_ERR_TOO_MANY_PREKEYS',
  'This device already has as many one-time prekeys published as a device may',
  409,
);

export const RelayKeyBackupConflictError = createError<'RELAY_ERR_KEY_BACKUP_VERSION', 409>(
  'RELAY_ERR_KEY_BACKUP_VERSION',
  'The key backup changed since it was read; read it again',
  409,
);

export const RelayKeyBackupNotFoundError = createError<'RELAY_ERR_NO_KEY_BACKUP', 404>(
  'RELAY_ERR_NO_KEY_BACKUP',
  'This account has no key backup',
  404,
);

export const RelayClientIdReusedError = createError<'RELAY_ERR_CLIENT_ID_REUSED', 409>(
  'RELAY_ERR_CLIENT_ID_REUSED',
  'This client id was used for a different submission',
  409,
);

// --- blobs (encrypted attachments) --------------------------------------------------------------

export const RelayBlobNotFoundError = createError<'RELAY_ERR_BLOB_NOT_FOUND', 404>(
  'RELAY_ERR_BLOB_NOT_FOUND',
  'No such blob: unknown, expired, deleted or not fully uploaded',
  404,
);

export const RelayBlobNotOwnerError = createError<'RELAY_ERR_BLOB_NOT_OWNER', 403>(
  'RELAY_ERR_BLOB_NOT_OWNER',
  'Only the account that uploads a blob may change it',
  403,
);

export const RelayBlobTooLargeError = createError<
  'RELAY_ERR_BLOB_TOO_LARGE',
  413,
  [details: string]
>('RELAY_ERR_BLOB_TOO_LARGE', '%s', 413);

export const RelayBlobQuotaError = createError<'RELAY_ERR_BLOB_QUOTA', 413, [limit: number]>(
  'RELAY_ERR_BLOB_QUOTA',
  'This account would hold more than %d bytes of attachments; delete some or wait for them to expire',
  413,
);

export const RelayBlobOffsetError = createError<'RELAY_ERR_BLOB_OFFSET', 409, [received: number]>(
  'RELAY_ERR_BLOB_OFFSET',
  'The upload continues at byte %d',
  409,
);

export const RelayBlobChunkError = createError<'RELAY_ERR_BLOB_CHUNK', 400>(
  'RELAY_ERR_BLOB_CHUNK',
  'A chunk must carry at least one byte',
  400,
);

export const RelayBlobContentTypeError = createError<'RELAY_ERR_BLOB_CONTENT_TYPE', 415>(
  'RELAY_ERR_BLOB_CONTENT_TYPE',
  'Send the chunk as application/octet-stream',
  415,
);

export const RelayBlobRangeError = createError<'RELAY_ERR_BLOB_RANGE', 416>(
  'RELAY_ERR_BLOB_RANGE',
  'The requested range is not within the blob',
  416,
);

export const RelayLinkChannelFullError = createError<'RELAY_ERR_LINK_FULL', 409>(
  'RELAY_ERR_LINK_FULL',
  'This link channel takes no more messages from that side',
  409,
);

export const RelayLinkUnknownChannelError = createError<'RELAY_ERR_LINK_UNKNOWN', 404>(
  'RELAY_ERR_LINK_UNKNOWN',
  'This link has expired or was never started; start again from your signed-in device',
  404,
);

export const RelayLinkBusyError = createError<'RELAY_ERR_LINK_BUSY', 503>(
  'RELAY_ERR_LINK_BUSY',
  'Too many devices are being linked right now; try again in a few minutes',
  503,
);

export const RelayLinkTokenError = createError<'RELAY_ERR_LINK_TOKEN', 401>(
  'RELAY_ERR_LINK_TOKEN',
  'This link has expired or was already used; start again',
  401,
);
