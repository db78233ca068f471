// A prekey bundle: what the relay hands to someone starting a session with one device. The relay
// assembles it from what the device uploaded; every part is checked here against the account key
// the initiator pinned, so a substituted bundle is refused.
//
// Layout (version 1):
//   u8 version | u32 len + DeviceCertificate | SignedPrekey | PqPrekey
//   | u8 hasOneTime (0/1) [| OneTimePrekey]

import { VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import type { AccountPublic } from './account-identity';
import {
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  verifyDeviceCertificate,
  type DeviceCertificate,
} from './device-certificate';
import {
  encodeOneTimePrekey,
  encodePqPrekey,
  encodeSignedPrekey,
  readOneTimePrekey,
  readPqPrekey,
  readSignedPrekey,
  verifyPqPrekey,
  verifySignedPrekey,
  type OneTimePrekey,
  type PqPrekey,
  type SignedPrekey,
} from './prekeys';

export interface PrekeyBundle {
  readonly certificate: DeviceCertificate;
  readonly signedPrekey: SignedPrekey;
  readonly pqPrekey: PqPrekey;
  readonly oneTimePrekey?: OneTimePrekey | undefined;
}

export function encodePrekeyBundle(bundle: PrekeyBundle): Uint8Array {
  const writer = new ByteWriter(1600)
    .u8(VERSION.prekeyBundle)
    .bytes(encodeDeviceCertificate(bundle.certificate))
    .rest(encodeSignedPrekey(bundle.signedPrekey))
    .rest(encodePqPrekey(bundle.pqPrekey))
    .u8(bundle.oneTimePrekey ? 1 : 0);
  if (bundle.oneTimePrekey) writer.rest(encodeOneTimePrekey(bundle.oneTimePrekey));
  return writer.finish();
}

export function decodePrekeyBundle(bytes: Uint8Array): PrekeyBundle {
  const reader = new ByteReader(bytes, 'decodePrekeyBundle');
  reader.version(VERSION.prekeyBundle);
  const certificate = decodeDeviceCertificate(reader.bytes(512));
  const signedPrekey = readSignedPrekey(reader);
  const pqPrekey = readPqPrekey(reader);
  const flag = reader.u8();
  if (flag > 1) fail('MALFORMED', 'decodePrekeyBundle: one-time flag must be 0 or 1');
  const oneTimePrekey = flag === 1 ? readOneTimePrekey(reader) : undefined;
  reader.end();
  return { certificate, signedPrekey, pqPrekey, oneTimePrekey };
}

/**
 * Refuses a bundle unless: the certificate is signed by the expected account key, the signed
 * prekey and the ML-KEM prekey are signed by the certified device key. A bundle without a valid
 * PQ prekey cannot be built (the type requires one), and a bad one fails here with BAD_SIGNATURE.
 */
export function verifyPrekeyBundle(
  p: Primitives,
  options: { bundle: PrekeyBundle; expected: AccountPublic },
): void {
  const { bundle, expected } = options;
  verifyDeviceCertificate(p, { certificate: bundle.certificate, expected });
  if (!verifySignedPrekey(p, bundle.certificate.signingKey, bundle.signedPrekey)) {
    fail('BAD_SIGNATURE', 'verifyPrekeyBundle: signed prekey signature does not verify');
  }
  if (!verifyPqPrekey(p, bundle.certificate.signingKey, bundle.pqPrekey)) {
    fail('BAD_SIGNATURE', 'verifyPrekeyBundle: ML-KEM prekey signature does not verify');
  }
}
