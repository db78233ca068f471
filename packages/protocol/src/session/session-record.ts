// Everything we hold for one remote device: the current session, which we send on, and a few
// previous ("archived") sessions, so that a message still in flight on an older session opens
// (Signal's SessionRecord and its previous states). Two devices that start sessions with each other
// at the same moment each end up holding both; whichever session a message arrives on is promoted
// to current, so the side that answers first moves the other onto its session and they converge.
//
// Layout (version 1):
//   u8 version | u8 archivedCount | u32 len + current state
//   | archivedCount × (u32 len + state)   (most recently current first)
// Each state is a ratchet state in its own encoding (ratchet-state.ts), version byte included.

import { LIMITS, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { equalBytes } from '../encoding/bytes';
import { fail } from '../errors';
import { decodeRatchetState, encodeRatchetState, type RatchetState } from './ratchet-state';

export interface SessionRecord {
  readonly current: RatchetState;
  /** Sessions that were current before, most recent first; at most LIMITS.maxArchivedSessions. */
  readonly archived: readonly RatchetState[];
}

/**
 * Upper bound of one encoded ratchet state: the fixed fields and past ratchet keys fit in 2 KiB,
 * plus the stored skipped keys (68 bytes each) and the pending start (read with an 8 KiB cap).
 */
const MAX_STATE_BYTES = 2048 + LIMITS.maxStoredSkippedKeys * 68 + 8192;

/** Every session of the record, current first: index 0 is current, i > 0 is archived[i - 1]. */
export function recordSessions(record: SessionRecord): readonly RatchetState[] {
  return [record.current, ...record.archived];
}

/**
 * Makes `state` the current session. `replacing` names the session it is the next state of (its
 * index in recordSessions), which therefore leaves the list; without it (`-1`, a new session) the
 * old current is archived. The oldest archived session beyond the bound is dropped.
 */
export function promoteSession(
  record: SessionRecord | undefined,
  state: RatchetState,
  replacing = -1,
): SessionRecord {
  if (record === undefined) return { current: state, archived: [] };
  const others = recordSessions(record).filter((_, index) => index !== replacing);
  return { current: state, archived: others.slice(0, LIMITS.maxArchivedSessions) };
}

/** Index in recordSessions of the session a session start with `baseKey` built, or -1 if none. */
export function findSessionByBaseKey(record: SessionRecord, baseKey: Uint8Array): number {
  return recordSessions(record).findIndex((state) => equalBytes(state.baseKey, baseKey));
}

export function encodeSessionRecord(record: SessionRecord): Uint8Array {
  if (record.archived.length > LIMITS.maxArchivedSessions) {
    fail('INVALID_ARGUMENT', 'encodeSessionRecord: too many archived sessions');
  }
  const states = recordSessions(record).map(encodeRatchetState);
  // Stryker disable next-line ArithmeticOperator,ArrowFunction: a capacity hint; ByteWriter grows as needed
  const writer = new ByteWriter(states.reduce((sum, bytes) => sum + bytes.length + 4, 2))
    .u8(VERSION.sessionRecord)
    .u8(record.archived.length);
  for (const bytes of states) writer.bytes(bytes);
  return writer.finish();
}

export function decodeSessionRecord(bytes: Uint8Array): SessionRecord {
  const reader = new ByteReader(bytes, 'decodeSessionRecord');
  reader.version(VERSION.sessionRecord);
  const archivedCount = reader.u8();
  if (archivedCount > LIMITS.maxArchivedSessions) {
    fail('MALFORMED', 'decodeSessionRecord: too many archived sessions');
  }
  const current = decodeRatchetState(reader.bytes(MAX_STATE_BYTES));
  const archived = Array.from({ length: archivedCount }, () =>
    decodeRatchetState(reader.bytes(MAX_STATE_BYTES)),
  );
  reader.end();
  return { current, archived };
}
