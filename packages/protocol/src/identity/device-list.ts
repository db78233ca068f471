// The signed device list: the account's own statement of which devices exist. Senders encrypt to
// exactly these devices, so a device the relay injects (not signed by the account key) receives
// nothing, and a list whose counter goes backwards (a rollback to a list that still named a removed
// device) is refused.
//
// Layout (version 1):
//   u8 version | u16 len + accountId | 32 accountKey | u64 counter | u64 issuedAt (ms since epoch)
//   | u8 deviceCount | deviceCount × (u32 deviceId | 32 signingKey | 32 identityKey | u16 len + name)
//   | 64 signature
// signature = Ed25519(accountKey, LABEL.deviceList || every byte before the signature)
// Devices are sorted by ascending deviceId; ids are unique.

import { LABEL, LIMITS, VERSION } from '../constants';
import { ByteReader } from '../encoding/byte-reader';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes, equalBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import { SIZES } from '../primitives/sizes';
import type { Ed25519PublicKey, Signature, X25519PublicKey } from '../types';
import { assertAccountId, type AccountIdentity, type AccountPublic } from './account-identity';
import { assertDeviceId } from './device-keys';

export interface DeviceListEntry {
  readonly deviceId: number;
  readonly signingKey: Ed25519PublicKey;
  readonly identityKey: X25519PublicKey;
  /** A label the account's owner chose ("Laptop"); shown to the owner, visible to contacts. */
  readonly name: string;
}

export interface DeviceList {
  readonly accountId: string;
  readonly accountKey: Ed25519PublicKey;
  /** Strictly increases with every change; verifiers refuse a lower counter than they saw. */
  readonly counter: number;
  readonly issuedAt: number;
  readonly devices: readonly DeviceListEntry[];
  readonly signature: Signature;
}

function encodeBody(list: Omit<DeviceList, 'signature'>): Uint8Array {
  const writer = new ByteWriter(128 + list.devices.length * 140)
    .u8(VERSION.deviceList)
    .string(list.accountId)
    .fixed(list.accountKey, SIZES.ed25519PublicKey)
    .u64(list.counter)
    .u64(list.issuedAt)
    .u8(list.devices.length);
  for (const device of list.devices) {
    writer
      .u32(device.deviceId)
      .fixed(device.signingKey, SIZES.ed25519PublicKey)
      .fixed(device.identityKey, SIZES.x25519PublicKey)
      .string(device.name);
  }
  return writer.finish();
}

function checkDevices(devices: readonly DeviceListEntry[], context: string): void {
  if (devices.length === 0 || devices.length > LIMITS.maxDevices) {
    fail('MALFORMED', `${context}: a device list holds 1..${LIMITS.maxDevices} devices`);
  }
  let previous = 0;
  for (const device of devices) {
    assertDeviceId(device.deviceId, context);
    if (device.deviceId <= previous)
      fail('MALFORMED', `${context}: device ids must be unique and ascending`);
    previous = device.deviceId;
  }
}

export function signDeviceList(
  p: Primitives,
  options: {
    account: AccountIdentity;
    counter: number;
    issuedAt: number;
    devices: readonly DeviceListEntry[];
  },
): DeviceList {
  const { account, counter, issuedAt } = options;
  assertAccountId(account.accountId, 'signDeviceList');
  const devices = [...options.devices].sort((a, b) => a.deviceId - b.deviceId);
  checkDevices(devices, 'signDeviceList');
  const body = {
    accountId: account.accountId,
    accountKey: account.accountKey,
    counter,
    issuedAt,
    devices,
  };
  const signature = p.sign(
    account.keyPair.secretKey,
    concatBytes(LABEL.deviceList, encodeBody(body)),
  );
  return { ...body, signature };
}

export function encodeDeviceList(list: DeviceList): Uint8Array {
  return concatBytes(encodeBody(list), list.signature);
}

export function decodeDeviceList(bytes: Uint8Array): DeviceList {
  const reader = new ByteReader(bytes, 'decodeDeviceList');
  reader.version(VERSION.deviceList);
  const accountId = reader.string(LIMITS.maxAccountIdBytes);
  const accountKey = reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey;
  const counter = reader.u64();
  const issuedAt = reader.u64();
  const count = reader.u8();
  const devices: DeviceListEntry[] = [];
  for (let i = 0; i < count; i++) {
    devices.push({
      deviceId: reader.u32(),
      signingKey: reader.fixed(SIZES.ed25519PublicKey) as Ed25519PublicKey,
      identityKey: reader.fixed(SIZES.x25519PublicKey) as X25519PublicKey,
      name: reader.string(LIMITS.maxDeviceNameBytes),
    });
  }
  const signature = reader.fixed(SIZES.signature) as Signature;
  reader.end();
  checkDevices(devices, 'decodeDeviceList');
  return { accountId, accountKey, counter, issuedAt, devices, signature };
}

/**
 * Verifies a device list against the account key the caller pinned and the highest counter it has
 * accepted before. Equal counters are accepted only for the very same list (a re-fetch).
 * Throws UNTRUSTED_IDENTITY, BAD_SIGNATURE or ROLLBACK.
 */
export function verifyDeviceList(
  p: Primitives,
  options: { list: DeviceList; expected: AccountPublic; previous?: DeviceList | undefined },
): void {
  const { list, expected, previous } = options;
  if (list.accountId !== expected.accountId || !equalBytes(list.accountKey, expected.accountKey)) {
    fail('UNTRUSTED_IDENTITY', 'verifyDeviceList: list is for another account key');
  }
  if (
    !p.verify(expected.accountKey, concatBytes(LABEL.deviceList, encodeBody(list)), list.signature)
  ) {
    fail('BAD_SIGNATURE', 'verifyDeviceList: signature does not verify');
  }
  if (previous !== undefined) {
    if (list.counter < previous.counter)
      fail('ROLLBACK', 'verifyDeviceList: counter went backwards');
    if (
      list.counter === previous.counter &&
      !equalBytes(encodeDeviceList(list), encodeDeviceList(previous))
    ) {
      fail('ROLLBACK', 'verifyDeviceList: two different lists carry the same counter');
    }
  }
}

export function findDevice(list: DeviceList, deviceId: number): DeviceListEntry | undefined {
  return list.devices.find((device) => device.deviceId === deviceId);
}
