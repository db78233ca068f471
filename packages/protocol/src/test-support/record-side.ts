// One device's sessions with one peer, kept the way EnvelopeCipher keeps them: a SessionRecord,
// with a start for no session held accepted as a new session and everything else decrypted on the
// record. Tests drive two of these through races, reinstalls and random interleavings.

import { fromUtf8, utf8 } from '../encoding/bytes';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import { acceptSession, initiateSession, sessionStartBaseKey } from '../session/pqxdh';
import {
  encodeSessionRecord,
  findSessionByBaseKey,
  promoteSession,
  type SessionRecord,
} from '../session/session-record';
import { sessionRecordDecrypt, sessionRecordEncrypt } from '../session/session-record-cipher';
import type { TestParty } from './parties';

export interface SentMessage {
  readonly kind: 'start' | 'message';
  readonly bytes: Uint8Array;
}

export class RecordSide {
  record: SessionRecord | undefined;

  constructor(
    private readonly p: Primitives,
    readonly me: TestParty,
    readonly peer: TestParty,
  ) {}

  /** Encrypts on the current session, first starting one from the peer's bundle if none is held. */
  send(plaintext: Uint8Array | string): SentMessage {
    const p = this.p;
    this.record ??= promoteSession(
      undefined,
      initiateSession(p, {
        account: this.me.pub,
        device: this.me.device,
        remote: this.peer.pub,
        bundle: this.peer.bundle(),
      }),
    );
    const bytes = typeof plaintext === 'string' ? utf8(plaintext) : plaintext;
    const out = sessionRecordEncrypt(p, this.record, bytes);
    this.record = out.record;
    return { kind: out.kind, bytes: out.message };
  }

  /** Commits the new record only when the message opened. */
  receive(message: SentMessage): Uint8Array {
    const p = this.p;
    const held =
      this.record !== undefined &&
      (message.kind === 'message' ||
        findSessionByBaseKey(this.record, sessionStartBaseKey(message.bytes)) >= 0);
    if (held) {
      const out = sessionRecordDecrypt(p, this.record!, message);
      this.record = out.record;
      return out.plaintext;
    }
    if (message.kind === 'message') fail('UNKNOWN_SENDER', 'RecordSide.receive: no session');
    const accepted = acceptSession(p, {
      account: this.me.pub,
      device: this.me.device,
      prekeys: this.me.lookup,
      start: message.bytes,
    });
    this.me.consume(accepted.consumed);
    this.record = promoteSession(this.record, accepted.state);
    return accepted.plaintext;
  }

  receiveText(message: SentMessage): string {
    return fromUtf8(this.receive(message), 'RecordSide.receiveText');
  }

  /** The record's bytes, to show that a refusal changed nothing. */
  snapshot(): Uint8Array {
    return encodeSessionRecord(this.record!);
  }
}
