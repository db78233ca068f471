// An envelope frame's bytes, with the body's JSON encoded once for every socket it goes to. A
// fan-out sends the same body to every member device, one frame each, and only the sequence number
// (and a multi-recipient envelope's key record) differs between them. JSON.stringify of the whole
// frame scanned and copied the body (up to 512 KiB of base64url) once per device; a frame built as
// a string then cost ws a scan for its byte length, V8 a flattened copy on its heap and the socket
// a UTF-8 encoding, again per device. The frame is now one Buffer: the shared body bytes copied
// between a few bytes of head and tail, and ws sends a Buffer as it is (as a text frame).
import type { MailboxEnvelope } from '@veil/wire';

// The last body encoded. A commit publishes to its devices one after the other, so the same string
// comes back for every device of a fan-out; comparing it is a pointer comparison then.
let lastBody: string | undefined;
let lastBodyJson: Buffer = Buffer.alloc(0);

/** The UTF-8 of JSON.stringify({ type: 'envelope', ...envelope }), in the same key order. */
export function envelopeFrame(envelope: MailboxEnvelope): Buffer {
  if (envelope.body !== lastBody) {
    lastBody = envelope.body;
    lastBodyJson = Buffer.from(JSON.stringify(envelope.body), 'utf8');
  }
  // Numbers, key names and base64url: no character here needs more than one byte.
  const head = `{"type":"envelope","seq":${String(envelope.seq)},"body":`;
  const keyRecord =
    envelope.keyRecord === undefined ? '' : `,"keyRecord":${JSON.stringify(envelope.keyRecord)}`;
  const tail = `${keyRecord},"receivedAt":${String(envelope.receivedAt)}}`;
  const frame = Buffer.allocUnsafe(head.length + lastBodyJson.length + Buffer.byteLength(tail));
  let at = frame.write(head, 0, 'utf8');
  at += lastBodyJson.copy(frame, at);
  frame.write(tail, at, 'utf8');
  return frame;
}
