// The one error type of @veil/protocol. Callers branch on `code`, never on the message; messages
// name the function that failed and never contain plaintext or key bytes.

export const PROTOCOL_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'MALFORMED',
  'UNKNOWN_VERSION',
  'DECRYPT_FAILED',
  'BAD_SIGNATURE',
  'BAD_KEY',
  'REPLAY',
  'REFLECTED',
  'TOO_MANY_SKIPPED',
  'MISSING_PREKEY',
  'UNTRUSTED_IDENTITY',
  'ROLLBACK',
  'NOT_AUTHORIZED',
  'WRONG_EPOCH',
  'UNKNOWN_SENDER',
  'WEAK_PARAMETERS',
  'HASH_MISMATCH',
  'TRUNCATED',
  'TOO_LARGE',
  'NO_MATCHING_WRAP',
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Throws a ProtocolError; an expression-friendly helper for guard clauses. */
export function fail(code: ProtocolErrorCode, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

export function isProtocolError(value: unknown, code?: ProtocolErrorCode): value is ProtocolError {
  return value instanceof ProtocolError && (code === undefined || value.code === code);
}
