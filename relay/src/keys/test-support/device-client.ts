// A signed-up account with a registered device, built with the real protocol, for relay tests:
// the key material is what a real client would upload, so the relay's checks run for real.
import {
  certifyDevice,
  createAccountIdentity,
  createDeviceKeys,
  encodeDeviceCertificate,
  encodeDeviceList,
  encodeOneTimePrekey,
  encodePqPrekey,
  encodeSignedPrekey,
  generateOneTimePrekeys,
  generatePqPrekeys,
  generateSignedPrekey,
  loadPrimitives,
  signDeviceList,
  toBase64Url,
  type AccountIdentity,
  type DeviceKeys,
  type DeviceList,
  type MlKemKeyPair,
  type PrekeyLookup,
  type PrekeySecret,
  type Primitives,
} from '@veil/protocol';
import type { DeviceBoundReply, DeviceRegisterBody } from '@veil/wire';
import { signedUp, type Answer, type AuthClient } from '../../auth/test-support/auth-client';
import type { RelayAddress } from '../../test-support/start-relay';

export interface TestDevice {
  readonly p: Primitives;
  readonly client: AuthClient;
  readonly username: string;
  readonly account: AccountIdentity;
  readonly device: DeviceKeys;
  /** The device's prekey secrets, to accept sessions started with its bundle. */
  readonly lookup: PrekeyLookup;
}

export function listFor(
  p: Primitives,
  account: AccountIdentity,
  devices: readonly DeviceKeys[],
  counter: number,
): DeviceList {
  return signDeviceList(p, {
    account,
    counter,
    issuedAt: Date.now(),
    devices: devices.map((device) => ({
      deviceId: device.deviceId,
      signingKey: device.signing.publicKey,
      identityKey: device.identity.publicKey,
      name: `device ${device.deviceId}`,
    })),
  });
}

/** A registration body for `device`, and the prekey secrets a real device would keep. */
export function deviceUpload(
  p: Primitives,
  options: {
    account: AccountIdentity;
    device: DeviceKeys;
    list: DeviceList;
    oneTimeCount?: number;
    firstId?: number;
  },
): { body: DeviceRegisterBody; lookup: PrekeyLookup } {
  const { account, device, list } = options;
  const count = options.oneTimeCount ?? 5;
  const firstId = options.firstId ?? 1;
  const signed = generateSignedPrekey(p, { device, id: firstId });
  const lastResort = generatePqPrekeys(p, { device, firstId, count: 1, lastResort: true });
  const oneTime = generateOneTimePrekeys(p, { firstId: firstId + 100, count });
  const pqOneTime = generatePqPrekeys(p, {
    device,
    firstId: firstId + 100,
    count,
    lastResort: false,
  });
  const pq = new Map<number, PrekeySecret<MlKemKeyPair> & { lastResort: boolean }>([
    ...lastResort.secrets.map((secret) => [secret.id, { ...secret, lastResort: true }] as const),
    ...pqOneTime.secrets.map((secret) => [secret.id, { ...secret, lastResort: false }] as const),
  ]);
  const oneTimeSecrets = new Map(oneTime.secrets.map((secret) => [secret.id, secret]));
  return {
    body: {
      accountKey: toBase64Url(account.accountKey),
      certificate: toBase64Url(encodeDeviceCertificate(certifyDevice(p, { account, device }))),
      deviceList: toBase64Url(encodeDeviceList(list)),
      signedPrekey: toBase64Url(encodeSignedPrekey(signed.prekey)),
      pqLastResort: toBase64Url(encodePqPrekey(lastResort.prekeys[0]!)),
      oneTimePrekeys: oneTime.prekeys.map((prekey) => toBase64Url(encodeOneTimePrekey(prekey))),
      pqOneTimePrekeys: pqOneTime.prekeys.map((prekey) => toBase64Url(encodePqPrekey(prekey))),
    },
    lookup: {
      signedPrekey: (id) => (id === signed.secret.id ? signed.secret : undefined),
      oneTimePrekey: (id) => oneTimeSecrets.get(id),
      pqPrekey: (id) => pq.get(id),
    },
  };
}

export function registrationBody(
  p: Primitives,
  options: Parameters<typeof deviceUpload>[1],
): DeviceRegisterBody {
  return deviceUpload(p, options).body;
}

/** Signs up `username` and registers device 1 with `oneTimeCount` one-time prekeys of each kind. */
export async function registeredDevice(
  relay: RelayAddress,
  username: string,
  options: { oneTimeCount?: number; password?: string } = {},
): Promise<TestDevice & { reply: Answer<DeviceBoundReply> }> {
  const p = await loadPrimitives();
  const client = await signedUp(relay, username, options.password ?? `pw of ${username}`);
  const account = createAccountIdentity(p, username);
  const device = createDeviceKeys(p, 1);
  const list = listFor(p, account, [device], 1);
  const { body, lookup } = deviceUpload(p, {
    account,
    device,
    list,
    ...(options.oneTimeCount === undefined ? {} : { oneTimeCount: options.oneTimeCount }),
  });
  const reply = await client.call<DeviceBoundReply>('POST', '/api/v1/devices', body);
  if (reply.status !== 201) throw new Error(`registration failed: ${JSON.stringify(reply.body)}`);
  return { p, client, username, account, device, lookup, reply };
}
