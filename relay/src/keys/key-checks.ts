// Decodes and checks what a device uploads, with the protocol's own decoders and verifiers. The
// relay is not trusted by clients (they verify everything again against the keys they pinned);
// checking here turns a buggy or hostile upload into a clear 400 at upload time instead of a broken
// bundle handed to somebody else later.
import {
  decodeDeviceCertificate,
  decodeDeviceList,
  decodeWith,
  equalBytes,
  findDevice,
  fromBase64Url,
  ProtocolError,
  readOneTimePrekey,
  readPqPrekey,
  readSignedPrekey,
  verifyDeviceCertificate,
  verifyDeviceList,
  verifyPqPrekey,
  verifySignedPrekey,
  type AccountPublic,
  type DeviceCertificate,
  type DeviceList,
  type Ed25519PublicKey,
  type OneTimePrekey,
  type PqPrekey,
  type Primitives,
  type SignedPrekey,
} from '@veil/protocol';
import { RelayKeyMaterialError } from '../errors';

/** Runs a protocol decode or check, turning its typed error into the relay's 400. */
function checked<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ProtocolError) throw new RelayKeyMaterialError(`${what}: ${error.code}`);
    throw error;
  }
}

function bytes(what: string, base64Url: string): Uint8Array {
  return checked(what, () => fromBase64Url(base64Url));
}

export function checkAccountKey(base64Url: string): Ed25519PublicKey {
  const key = bytes('accountKey', base64Url);
  if (key.length !== 32) throw new RelayKeyMaterialError('accountKey: must be 32 bytes');
  return key as Ed25519PublicKey;
}

export function checkCertificate(
  p: Primitives,
  expected: AccountPublic,
  base64Url: string,
): { certificate: DeviceCertificate; encoded: Uint8Array } {
  const encoded = bytes('certificate', base64Url);
  const certificate = checked('certificate', () => decodeDeviceCertificate(encoded));
  checked('certificate', () => {
    verifyDeviceCertificate(p, { certificate, expected });
  });
  return { certificate, encoded };
}

/** A device list signed by the account key. Its counter is compared with the stored one on write. */
export function checkDeviceList(
  p: Primitives,
  expected: AccountPublic,
  base64Url: string,
): { list: DeviceList; encoded: Uint8Array } {
  const encoded = bytes('deviceList', base64Url);
  const list = checked('deviceList', () => decodeDeviceList(encoded));
  checked('deviceList', () => {
    verifyDeviceList(p, { list, expected });
  });
  return { list, encoded };
}

/** The list must name the certified device with the certified keys. */
export function checkListNamesDevice(list: DeviceList, certificate: DeviceCertificate): void {
  const entry = findDevice(list, certificate.deviceId);
  if (
    entry === undefined ||
    !equalBytes(entry.signingKey, certificate.signingKey) ||
    !equalBytes(entry.identityKey, certificate.identityKey)
  ) {
    throw new RelayKeyMaterialError('deviceList: does not name this device with its keys');
  }
}

export interface CheckedPrekeys {
  readonly signedPrekey?: { prekey: SignedPrekey; encoded: Uint8Array };
  readonly pqLastResort?: { prekey: PqPrekey; encoded: Uint8Array };
  readonly oneTime: readonly { prekey: OneTimePrekey; encoded: Uint8Array }[];
  readonly pqOneTime: readonly { prekey: PqPrekey; encoded: Uint8Array }[];
}

function uniqueIds(what: string, ids: readonly number[]): void {
  if (new Set(ids).size !== ids.length) throw new RelayKeyMaterialError(`${what}: repeated ids`);
}

/** Every signed prekey must be signed by the device's signing key; one-time ML-KEM keys are not last-resort keys. */
export function checkPrekeys(
  p: Primitives,
  signingKey: Ed25519PublicKey,
  upload: {
    signedPrekey?: string | undefined;
    pqLastResort?: string | undefined;
    oneTimePrekeys?: readonly string[] | undefined;
    pqOneTimePrekeys?: readonly string[] | undefined;
  },
): CheckedPrekeys {
  const signedPrekey =
    upload.signedPrekey === undefined
      ? undefined
      : (() => {
          const encoded = bytes('signedPrekey', upload.signedPrekey);
          const prekey = checked('signedPrekey', () =>
            decodeWith(encoded, 'signedPrekey', readSignedPrekey),
          );
          if (!verifySignedPrekey(p, signingKey, prekey))
            throw new RelayKeyMaterialError('signedPrekey: BAD_SIGNATURE');
          return { prekey, encoded };
        })();

  const readPq = (what: string, value: string, lastResort: boolean) => {
    const encoded = bytes(what, value);
    const prekey = checked(what, () => decodeWith(encoded, what, readPqPrekey));
    if (prekey.lastResort !== lastResort)
      throw new RelayKeyMaterialError(
        `${what}: ${lastResort ? 'must' : 'must not'} be a last-resort key`,
      );
    if (!verifyPqPrekey(p, signingKey, prekey))
      throw new RelayKeyMaterialError(`${what}: BAD_SIGNATURE`);
    return { prekey, encoded };
  };

  const pqLastResort =
    upload.pqLastResort === undefined
      ? undefined
      : readPq('pqLastResort', upload.pqLastResort, true);
  const oneTime = (upload.oneTimePrekeys ?? []).map((value) => {
    const encoded = bytes('oneTimePrekeys', value);
    const prekey = checked('oneTimePrekeys', () =>
      decodeWith(encoded, 'oneTimePrekeys', readOneTimePrekey),
    );
    return { prekey, encoded };
  });
  const pqOneTime = (upload.pqOneTimePrekeys ?? []).map((value) =>
    readPq('pqOneTimePrekeys', value, false),
  );
  uniqueIds(
    'oneTimePrekeys',
    oneTime.map((entry) => entry.prekey.id),
  );
  uniqueIds(
    'pqOneTimePrekeys',
    pqOneTime.map((entry) => entry.prekey.id),
  );
  return {
    ...(signedPrekey === undefined ? {} : { signedPrekey }),
    ...(pqLastResort === undefined ? {} : { pqLastResort }),
    oneTime,
    pqOneTime,
  };
}
