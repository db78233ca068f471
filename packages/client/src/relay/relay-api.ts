// The relay's key directory and mailbox, typed by @veil/wire. Byte fields cross as base64url; this
// file is where they become protocol objects and back. It trusts nothing it receives: bundles and
// device lists are verified by the callers (EnvelopeCipher, ContactBook) against pinned keys.
import {
  decodePrekeyBundle,
  encodeDeviceCertificate,
  encodeDeviceList,
  encodeOneTimePrekey,
  encodePqPrekey,
  encodeSignedPrekey,
  fromBase64Url,
  toBase64Url,
  type DeviceCertificate,
  type DeviceList,
  type Ed25519PublicKey,
  type PrekeyBundle,
} from '@veil/protocol';
import type {
  BundleReply,
  DeviceBoundReply,
  DeviceClaimChallenge,
  DirectoryEntry,
  MailboxPage,
  OwnDevicesReply,
  PrekeyCount,
  SubmitReply,
} from '@veil/wire';
import type { PrekeyUpload } from '../keys/key-store';
import type { OutboxRecipient } from '../messaging/outbox';
import type { RelayHttp } from './relay-http';

function prekeyFields(upload: PrekeyUpload) {
  return {
    ...(upload.signedPrekey === undefined
      ? {}
      : { signedPrekey: toBase64Url(encodeSignedPrekey(upload.signedPrekey)) }),
    ...(upload.lastResortPqPrekey === undefined
      ? {}
      : { pqLastResort: toBase64Url(encodePqPrekey(upload.lastResortPqPrekey)) }),
    oneTimePrekeys: upload.oneTimePrekeys.map((k) => toBase64Url(encodeOneTimePrekey(k))),
    pqOneTimePrekeys: upload.oneTimePqPrekeys.map((k) => toBase64Url(encodePqPrekey(k))),
  };
}

export class RelayApi {
  constructor(readonly http: RelayHttp) {}

  registerDevice(options: {
    certificate: DeviceCertificate;
    deviceList: DeviceList;
    upload: PrekeyUpload;
  }): Promise<DeviceBoundReply> {
    return this.http.post<DeviceBoundReply>('/api/v1/devices', {
      accountKey: toBase64Url(options.certificate.accountKey),
      certificate: toBase64Url(encodeDeviceCertificate(options.certificate)),
      deviceList: toBase64Url(encodeDeviceList(options.deviceList)),
      ...prekeyFields(options.upload),
    });
  }

  ownDevices(): Promise<OwnDevicesReply> {
    return this.http.get<OwnDevicesReply>('/api/v1/devices');
  }

  async publishDeviceList(list: DeviceList): Promise<void> {
    await this.http.put('/api/v1/devices/list', {
      deviceList: toBase64Url(encodeDeviceList(list)),
    });
  }

  async claimChallenge(): Promise<Uint8Array> {
    const { challenge } = await this.http.get<DeviceClaimChallenge>('/api/v1/devices/claim');
    return fromBase64Url(challenge);
  }

  claimDevice(deviceId: number, signature: Uint8Array): Promise<DeviceBoundReply> {
    return this.http.post<DeviceBoundReply>('/api/v1/devices/claim', {
      deviceId,
      signature: toBase64Url(signature),
    });
  }

  uploadPrekeys(upload: PrekeyUpload): Promise<PrekeyCount> {
    return this.http.post<PrekeyCount>('/api/v1/keys/prekeys', prekeyFields(upload));
  }

  prekeyCount(): Promise<PrekeyCount> {
    return this.http.get<PrekeyCount>('/api/v1/keys/prekeys');
  }

  async directory(
    username: string,
  ): Promise<{ username: string; accountKey: Ed25519PublicKey; deviceList: Uint8Array }> {
    const entry = await this.http.get<DirectoryEntry>(
      `/api/v1/directory/${encodeURIComponent(username)}`,
    );
    return {
      username: entry.username,
      accountKey: fromBase64Url(entry.accountKey) as Ed25519PublicKey,
      deviceList: fromBase64Url(entry.deviceList),
    };
  }

  /** Takes one bundle per device (each one-time prekey is handed out once). */
  async bundles(
    username: string,
    deviceIds?: readonly number[],
  ): Promise<Map<number, PrekeyBundle>> {
    const reply = await this.http.post<BundleReply>(
      `/api/v1/directory/${encodeURIComponent(username)}/bundles`,
      deviceIds === undefined ? {} : { deviceIds },
    );
    return new Map(
      reply.bundles.map((entry) => [
        entry.deviceId,
        decodePrekeyBundle(fromBase64Url(entry.bundle)),
      ]),
    );
  }

  submit(entry: {
    clientId: string;
    envelopes: readonly { body: Uint8Array; recipients: readonly OutboxRecipient[] }[];
  }): Promise<SubmitReply> {
    return this.http.post<SubmitReply>('/api/v1/messages', {
      clientId: entry.clientId,
      envelopes: entry.envelopes.map((envelope) => ({
        body: toBase64Url(envelope.body),
        to: envelope.recipients.map((r) => ({
          username: r.username,
          deviceId: r.deviceId,
          ...(r.keyRecord === undefined ? {} : { keyRecord: toBase64Url(r.keyRecord) }),
        })),
      })),
    });
  }

  mailbox(after: number, limit?: number): Promise<MailboxPage> {
    const query = limit === undefined ? `after=${after}` : `after=${after}&limit=${limit}`;
    return this.http.get<MailboxPage>(`/api/v1/mailbox?${query}`);
  }

  async ack(upTo: number): Promise<void> {
    await this.http.post('/api/v1/mailbox/ack', { upTo });
  }
}
