// Sync records: each kind round-trips inside a `sync` content record; an unknown kind or version, a
// flag other than 0/1, an empty peer or a short key is refused.
import { beforeAll, describe, expect, test } from 'vitest';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import type { Ed25519PublicKey } from '../types';
import { decodeContent, encodeContent } from './content-record';
import { decodeSyncRecord, encodeSyncRecord, type SyncRecord } from './sync-record';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

describe('sync records', () => {
  test('every kind round-trips through a sync content record', () => {
    const records: SyncRecord[] = [
      { kind: 'history', pointer: p.randomBytes(120), messageCount: 42 },
      {
        kind: 'contact',
        peer: 'bob',
        accountKey: p.randomBytes(32) as Ed25519PublicKey,
        present: true,
        blocked: false,
        muted: true,
        verified: true,
      },
      { kind: 'read', scope: 'direct', conversation: 'bob', upTo: p.randomBytes(16) },
      { kind: 'read', scope: 'group', conversation: 'q1w2e3-_', upTo: p.randomBytes(16) },
      {
        kind: 'settings',
        typingIndicators: true,
        readReceipts: false,
        changedAt: 1_790_000_000_123,
      },
      { kind: 'groupMute', groupId: p.randomBytes(16), mutedUntil: Number.MAX_SAFE_INTEGER },
      { kind: 'groupMute', groupId: p.randomBytes(16), mutedUntil: 0 },
    ];
    for (const record of records) {
      const content = decodeContent(
        encodeContent({
          type: 'sync',
          messageId: p.randomBytes(16),
          sentAt: 1,
          record: encodeSyncRecord(record),
        }),
      );
      expect(content.type).toBe('sync');
      if (content.type !== 'sync') return;
      expect(decodeSyncRecord(content.record)).toEqual(record);
    }
  });

  test('refuses what it does not know or what is malformed', () => {
    const contact = encodeSyncRecord({
      kind: 'contact',
      peer: 'bob',
      accountKey: p.randomBytes(32) as Ed25519PublicKey,
      present: true,
      blocked: false,
      muted: false,
      verified: false,
    });
    const badFlag = contact.slice();
    badFlag[badFlag.length - 1] = 2;
    expectProtocolError(() => decodeSyncRecord(badFlag), 'MALFORMED');
    const badKind = contact.slice();
    badKind[1] = 9;
    expectProtocolError(() => decodeSyncRecord(badKind), 'MALFORMED');
    const badVersion = contact.slice();
    badVersion[0] = 2;
    expectProtocolError(() => decodeSyncRecord(badVersion), 'UNKNOWN_VERSION');
    expectProtocolError(() => decodeSyncRecord(contact.slice(0, -5)), 'TRUNCATED');
    expectProtocolError(
      () =>
        encodeSyncRecord({
          kind: 'read',
          scope: 'direct',
          conversation: '',
          upTo: p.randomBytes(16),
        }),
      'INVALID_ARGUMENT',
    );
    const settings = encodeSyncRecord({
      kind: 'settings',
      typingIndicators: false,
      readReceipts: true,
      changedAt: 1,
    });
    const badScope = settings.slice();
    badScope[2] = 7;
    expectProtocolError(() => decodeSyncRecord(badScope), 'MALFORMED');
  });
});
