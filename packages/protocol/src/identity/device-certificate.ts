// A device certificate binds a device's public keys to its account: the account key signs
// (accountId, accountKey, deviceId, device signing key, device identity key). It travels inside
// every sealed envelope so the recipient learns and can verify who sent it, while the relay cannot.
//
// Layout (version 1):
//   u8 version | u16 len + accountId (UTF-8) | 32 accountKey | u32 deviceId
//   | 32 signingKey (Ed25519) | 32 identityKey (X25519) | 64 signature
// signature = Ed25519(accountKey, LABEL.deviceCertificate || every byte before the signature)

import { LABEL, LIMITS, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes, equalBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import type { Ed25519PublicKey, Signature, X25519PublicKey } from '../types';
import { assertAccountId, type AccountIdentity, type AccountPublic } from './account-identity';
import { assertDeviceId, type DeviceKeys } from './device-keys';

export interface DeviceCertificate {
  readonly accountId: string;
  readonly accountKey: Ed25519PublicKey;
  readonly deviceId: number;
  readonly signingKey: Ed25519PublicKey;
  readonly identityKey: X25519PublicKey;
  readonly signature: Signature;
}

function encodeBody(cert: Omit<DeviceCertificate, 'signature'>): Uint8Array {
  return new ByteWriter(200)
    .u8(VERSION.deviceCertificate)
    .string(cert.accountId)
    .fixed(cert.accountKey, SIZES.ed25519PublicKey)
    .u32(cert.deviceId)
    .fixed(cert.signingKey, SIZES.ed25519PublicKey)
    .fixed(cert.identityKey, SIZES.x25519PublicKey)
    .finish();
}

export function certifyDevice(
  p: Primitives,
  options: { account: AccountIdentity; device: DeviceKeys },
): DeviceCertificate {
  const { account, device } = options;
  assertAccountId(account.accountId, 'certifyDevice');
  assertDeviceId(device.deviceId, 'certifyDevice');
  const body = {
    accountId: account.accountId,
    accountKey: account.accountKey,
    deviceId: device.deviceId,
    signingKey: device.signing.publicKey,
    identityKey: device.identity.publicKey,
  };
  const signature = p.sign(
    account.keyPair.secretKey,
    concatBytes(LABEL.deviceCertificate, encodeBody(body)),
  );
  return { ...body, signature };
}

export function encodeDeviceCertificate(cert: DeviceCertificate): Uint8Array {
  return concatBytes(encodeBody(cert), cert.signature);
}

export function decodeDeviceCertificate(bytes: Uint8Array): DeviceCertificate {
  const reader = new ByteReader(bytes, 'decodeDeviceCertificate');
  reader.version(VERSION.deviceCertificate);
  const accountId = reader.string(LIMITS.maxAccountIdBytes);
  const accountKey = reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey;
  const deviceId = reader.u32();
  const signingKey = reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey;
  const identityKey = reader.fixed(SIZES.x25519PublicKey) as X25519PublicKey;
  const signature = reader.fixed(SIZES.signature) as Signature;
  reader.end();
  return { accountId, accountKey, deviceId, signingKey, identityKey, signature };
}

/**
 * Checks the certificate's signature and that it names the account the caller expects (the key
 * the caller pinned for that contact). Throws UNTRUSTED_IDENTITY or BAD_SIGNATURE.
 */
export function verifyDeviceCertificate(
  p: Primitives,
  options: { certificate: DeviceCertificate; expected: AccountPublic },
): void {
  const { certificate, expected } = options;
  if (
    certificate.accountId !== expected.accountId ||
    !equalBytes(certificate.accountKey, expected.accountKey)
  ) {
    fail('UNTRUSTED_IDENTITY', 'verifyDeviceCertificate: certificate is for another account key');
  }
  const signed = concatBytes(LABEL.deviceCertificate, encodeBody(certificate));
  if (!p.verify(expected.accountKey, signed, certificate.signature)) {
    fail('BAD_SIGNATURE', 'verifyDeviceCertificate: signature does not verify');
  }
}
