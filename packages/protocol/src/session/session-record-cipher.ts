// Encrypt and decrypt over a SessionRecord, as pure transitions like the ratchet beneath them. We
// always send on the current session; a message may open on any session we hold, and the one it
// opens on becomes current — that is what makes two sides that started sessions at once converge.
// A try that fails changes nothing, and a message no session opens leaves the record as it was.

import { fail, isProtocolError, type ProtocolError } from '../errors';
import type { Primitives } from '../primitives/primitives';
import { sessionDecryptStart, sessionEncrypt, sessionStartBaseKey } from './pqxdh';
import { ratchetDecrypt } from './ratchet';
import { decodeRatchetMessage } from './ratchet-message';
import type { RatchetState } from './ratchet-state';
import {
  findSessionByBaseKey,
  promoteSession,
  recordSessions,
  type SessionRecord,
} from './session-record';

export interface RecordDecryption {
  readonly record: SessionRecord;
  /** The session the message opened on, now current in `record`. */
  readonly state: RatchetState;
  readonly plaintext: Uint8Array;
}

/** Encrypts on the current session (with the session-start prefix while it is pending). */
export function sessionRecordEncrypt(
  p: Primitives,
  record: SessionRecord,
  plaintext: Uint8Array,
): { record: SessionRecord; message: Uint8Array; kind: 'start' | 'message' } {
  const out = sessionEncrypt(p, record.current, plaintext);
  return { record: { ...record, current: out.state }, message: out.message, kind: out.kind };
}

/**
 * Decrypts a message from the record's remote device.
 *
 * A session start (`kind: 'start'`) is decrypted on the session with its base key, wherever it
 * sits in the record — a retransmitted or duplicated start never builds a second session. If no
 * session has that base key this throws UNKNOWN_SENDER: the caller accepts the start as a new
 * session (acceptSession) and adds it with promoteSession.
 *
 * A ratchet message is tried on the current session, then on each archived one, newest first; the
 * first that opens it is promoted. When none does, the error thrown is one that shows the message
 * belongs to a session (REPLAY, REFLECTED) if any session said so, else the current session's.
 */
export function sessionRecordDecrypt(
  p: Primitives,
  record: SessionRecord,
  message: { readonly kind: 'start' | 'message'; readonly bytes: Uint8Array },
): RecordDecryption {
  if (message.kind === 'start') {
    const index = findSessionByBaseKey(record, sessionStartBaseKey(message.bytes));
    if (index < 0) {
      fail('UNKNOWN_SENDER', 'sessionRecordDecrypt: session start belongs to no session held');
    }
    const out = sessionDecryptStart(p, recordSessions(record)[index]!, message.bytes);
    return { record: promoteSession(record, out.state, index), ...out };
  }

  // A malformed message fails the same way on every session: refuse it before trying any.
  decodeRatchetMessage(message.bytes);
  const errors: ProtocolError[] = [];
  for (const [index, state] of recordSessions(record).entries()) {
    try {
      const out = ratchetDecrypt(p, state, message.bytes);
      return { record: promoteSession(record, out.state, index), ...out };
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      errors.push(error);
    }
  }
  throw errors.find((e) => e.code === 'REPLAY' || e.code === 'REFLECTED') ?? errors[0]!;
}
