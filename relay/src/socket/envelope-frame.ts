// An envelope frame's JSON text, with the body's JSON shared by every socket it goes to. A fan-out
// sends the same body to every member device, one frame each, and only the sequence number (and
// a multi-recipient envelope's key record) differs between them; JSON.stringify of the whole frame
// scanned and copied the body (up to 512 KiB of base64url) once per device.
import type { MailboxEnvelope } from '@veil/wire';

// The last body serialised. A commit publishes to its devices one after the other, so the same
// string comes back for every device of a fan-out; comparing it is a pointer comparison then.
let lastBody: string | undefined;
let lastBodyJson = '';

/** The same text as JSON.stringify({ type: 'envelope', ...envelope }), in the same key order. */
export function envelopeFrameText(envelope: MailboxEnvelope): string {
  if (envelope.body !== lastBody) {
    lastBody = envelope.body;
    lastBodyJson = JSON.stringify(envelope.body);
  }
  const keyRecord =
    envelope.keyRecord === undefined ? '' : `,"keyRecord":${JSON.stringify(envelope.keyRecord)}`;
  return `{"type":"envelope","seq":${String(envelope.seq)},"body":${lastBodyJson}${keyRecord},"receivedAt":${String(envelope.receivedAt)}}`;
}
