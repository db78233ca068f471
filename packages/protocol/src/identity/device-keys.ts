// Keys of one device (one browser install): an Ed25519 key that signs its prekeys and an X25519
// identity key used in PQXDH and as the target of sealed envelopes. Both are certified by the
// account key through a DeviceCertificate and the signed DeviceList.

import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import type { Ed25519KeyPair, X25519KeyPair } from '../types';

export interface DeviceKeys {
  readonly deviceId: number;
  readonly signing: Ed25519KeyPair;
  readonly identity: X25519KeyPair;
}

export function assertDeviceId(deviceId: number, context: string): void {
  if (!Number.isInteger(deviceId) || deviceId < 1 || deviceId > 0xffffffff) {
    fail('INVALID_ARGUMENT', `${context}: device id must be an integer in 1..2^32-1`);
  }
}

export function createDeviceKeys(p: Primitives, deviceId: number): DeviceKeys {
  assertDeviceId(deviceId, 'createDeviceKeys');
  return { deviceId, signing: p.ed25519KeyPair(), identity: p.x25519KeyPair() };
}
