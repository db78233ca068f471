import { beforeAll, describe, expect, test } from 'vitest';
import { isProtocolError, type ProtocolErrorCode } from '../errors';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import type { Signature } from '../types';
import { accountPublic, createAccountIdentity } from './account-identity';
import {
  certifyDevice,
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  verifyDeviceCertificate,
} from './device-certificate';
import { createDeviceKeys } from './device-keys';
import {
  decodeDeviceList,
  encodeDeviceList,
  signDeviceList,
  verifyDeviceList,
  type DeviceListEntry,
} from './device-list';
import {
  generatePqPrekeys,
  prekeysToRefill,
  signedPrekeyNeedsRotation,
  PREKEY_POLICY,
  verifyPqPrekey,
} from './prekeys';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (error) {
    return isProtocolError(error) ? error.code : 'other';
  }
}

const entry = (device: ReturnType<typeof createDeviceKeys>, name: string): DeviceListEntry => ({
  deviceId: device.deviceId,
  signingKey: device.signing.publicKey,
  identityKey: device.identity.publicKey,
  name,
});

describe('device certificate', () => {
  test('verifies under the account key, round-trips, and refuses forgeries', () => {
    const account = createAccountIdentity(p, 'alice');
    const other = createAccountIdentity(p, 'alice');
    const device = createDeviceKeys(p, 7);
    const cert = certifyDevice(p, { account, device });
    const decoded = decodeDeviceCertificate(encodeDeviceCertificate(cert));
    expect(decoded).toEqual(cert);
    expect(
      codeOf(() =>
        verifyDeviceCertificate(p, { certificate: decoded, expected: accountPublic(account) }),
      ),
    ).toBe('none');
    expect(
      codeOf(() =>
        verifyDeviceCertificate(p, { certificate: cert, expected: accountPublic(other) }),
      ),
    ).toBe('UNTRUSTED_IDENTITY');
    const forged = certifyDevice(p, {
      account: { ...other, accountKey: account.accountKey },
      device,
    });
    expect(
      codeOf(() =>
        verifyDeviceCertificate(p, { certificate: forged, expected: accountPublic(account) }),
      ),
    ).toBe('BAD_SIGNATURE');
    const wrong = encodeDeviceCertificate(cert);
    wrong[0] = 2;
    expect(codeOf(() => decodeDeviceCertificate(wrong))).toBe('UNKNOWN_VERSION');
    expect(codeOf(() => decodeDeviceCertificate(wrong.subarray(0, 10)))).toBe('UNKNOWN_VERSION');
    expect(
      codeOf(() => decodeDeviceCertificate(encodeDeviceCertificate(cert).subarray(0, 50))),
    ).toBe('TRUNCATED');
  });
});

describe('signed device list', () => {
  const setup = () => {
    const account = createAccountIdentity(p, 'alice');
    const laptop = createDeviceKeys(p, 1);
    const phone = createDeviceKeys(p, 2);
    const v1 = signDeviceList(p, {
      account,
      counter: 1,
      issuedAt: 1000,
      devices: [entry(laptop, 'Laptop')],
    });
    const v2 = signDeviceList(p, {
      account,
      counter: 2,
      issuedAt: 2000,
      devices: [entry(phone, 'Phone'), entry(laptop, 'Laptop')],
    });
    return { account, laptop, phone, v1, v2 };
  };

  test('round-trips sorted by device id and verifies in order', () => {
    const { account, v1, v2 } = setup();
    const decoded = decodeDeviceList(encodeDeviceList(v2));
    expect(decoded.devices.map((d) => d.deviceId)).toEqual([1, 2]);
    expect(
      codeOf(() =>
        verifyDeviceList(p, { list: decoded, expected: accountPublic(account), previous: v1 }),
      ),
    ).toBe('none');
    expect(
      codeOf(() =>
        verifyDeviceList(p, { list: v2, expected: accountPublic(account), previous: v2 }),
      ),
    ).toBe('none');
  });

  test('a ghost device injected by the relay breaks the signature', () => {
    const { account, v2 } = setup();
    const ghost = createDeviceKeys(p, 3);
    const injected = { ...v2, devices: [...v2.devices, entry(ghost, 'Ghost')] };
    expect(
      codeOf(() => verifyDeviceList(p, { list: injected, expected: accountPublic(account) })),
    ).toBe('BAD_SIGNATURE');
    const unsigned = { ...v2, signature: new Uint8Array(64) as Signature };
    expect(
      codeOf(() => verifyDeviceList(p, { list: unsigned, expected: accountPublic(account) })),
    ).toBe('BAD_SIGNATURE');
  });

  test('a rolled-back list, or a different list with the same counter, is refused', () => {
    const { account, laptop, v1, v2 } = setup();
    expect(
      codeOf(() =>
        verifyDeviceList(p, { list: v1, expected: accountPublic(account), previous: v2 }),
      ),
    ).toBe('ROLLBACK');
    const fork = signDeviceList(p, {
      account,
      counter: 2,
      issuedAt: 3000,
      devices: [entry(laptop, 'Renamed')],
    });
    expect(
      codeOf(() =>
        verifyDeviceList(p, { list: fork, expected: accountPublic(account), previous: v2 }),
      ),
    ).toBe('ROLLBACK');
  });

  test('a list signed by another account key is refused', () => {
    const { account, laptop } = setup();
    const stranger = createAccountIdentity(p, 'alice');
    const list = signDeviceList(p, {
      account: stranger,
      counter: 5,
      issuedAt: 1,
      devices: [entry(laptop, 'x')],
    });
    expect(codeOf(() => verifyDeviceList(p, { list, expected: accountPublic(account) }))).toBe(
      'UNTRUSTED_IDENTITY',
    );
  });

  test('duplicate device ids and empty lists are malformed', () => {
    const { account, laptop } = setup();
    expect(codeOf(() => signDeviceList(p, { account, counter: 1, issuedAt: 1, devices: [] }))).toBe(
      'MALFORMED',
    );
    expect(
      codeOf(() =>
        signDeviceList(p, {
          account,
          counter: 1,
          issuedAt: 1,
          devices: [entry(laptop, 'a'), entry(laptop, 'b')],
        }),
      ),
    ).toBe('MALFORMED');
  });
});

describe('prekeys', () => {
  test('refill tops up to the target only below the threshold', () => {
    expect(prekeysToRefill(PREKEY_POLICY.refillBelow)).toBe(0);
    expect(prekeysToRefill(PREKEY_POLICY.refillBelow - 1)).toBe(
      PREKEY_POLICY.target - PREKEY_POLICY.refillBelow + 1,
    );
    expect(prekeysToRefill(0)).toBe(PREKEY_POLICY.target);
    expect(signedPrekeyNeedsRotation(0, PREKEY_POLICY.signedPrekeyLifetimeMs - 1)).toBe(false);
    expect(signedPrekeyNeedsRotation(0, PREKEY_POLICY.signedPrekeyLifetimeMs)).toBe(true);
  });

  test('ML-KEM prekeys are signed with their last-resort flag', () => {
    const device = createDeviceKeys(p, 1);
    const { prekeys } = generatePqPrekeys(p, { device, firstId: 10, count: 2, lastResort: false });
    expect(prekeys.map((k) => k.id)).toEqual([10, 11]);
    expect(verifyPqPrekey(p, device.signing.publicKey, prekeys[0]!)).toBe(true);
    expect(verifyPqPrekey(p, device.signing.publicKey, { ...prekeys[0]!, lastResort: true })).toBe(
      false,
    );
  });
});
