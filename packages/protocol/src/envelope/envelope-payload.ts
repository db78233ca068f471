// What a sealed envelope carries once opened: the sender's device certificate (so the recipient,
// and only the recipient, learns who wrote) and the body the kind names.
//
// Layout (version 1):
//   u8 version | u8 kind | u32 len + DeviceCertificate | body (rest)
// kind: 1 = session start (PQXDH prefix + ratchet message), 2 = ratchet message,
//       3 = group message (sender-key message)

import { VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { fail } from '../errors';
import {
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  type DeviceCertificate,
} from '../identity/device-certificate';

export const PAYLOAD_KIND = { sessionStart: 1, message: 2, group: 3 } as const;
export type PayloadKind = keyof typeof PAYLOAD_KIND;

const KIND_BY_CODE = new Map<number, PayloadKind>(
  Object.entries(PAYLOAD_KIND).map(([name, code]) => [code, name as PayloadKind]),
);

export interface EnvelopePayload {
  readonly kind: PayloadKind;
  readonly certificate: DeviceCertificate;
  readonly body: Uint8Array;
}

export function encodeEnvelopePayload(payload: EnvelopePayload): Uint8Array {
  const certificate = encodeDeviceCertificate(payload.certificate);
  return new ByteWriter(8 + certificate.length + payload.body.length)
    .u8(VERSION.envelopePayload)
    .u8(PAYLOAD_KIND[payload.kind])
    .bytes(certificate)
    .rest(payload.body)
    .finish();
}

export function decodeEnvelopePayload(bytes: Uint8Array): EnvelopePayload {
  const reader = new ByteReader(bytes, 'decodeEnvelopePayload');
  reader.version(VERSION.envelopePayload);
  const code = reader.u8();
  const kind =
    KIND_BY_CODE.get(code) ?? fail('MALFORMED', `decodeEnvelopePayload: unknown kind ${code}`);
  const certificate = decodeDeviceCertificate(reader.bytes(512));
  // A view: the payload buffer is freshly decrypted and owned by no one else.
  return { kind, certificate, body: reader.restView() };
}
