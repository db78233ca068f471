// The new browser's half of linking from an existing device (docs/protocol.md, "Linking a device").
// It shows an offer (QR code, or the same text to paste), waits for the existing device's hello,
// shows the verification code and proves it holds the channel key (`ready`), then waits for the
// payload: the account identity and a one-time enrolment token. The token buys a relay session of
// the account; `joinAccount` does the rest, as when a device is added by password.
import {
  createDeviceLinkOffer,
  decodeDeviceLinkHello,
  deviceLinkChannel,
  encodeDeviceLinkOffer,
  openDeviceLinkPayload,
  sealDeviceLinkReady,
  toBase64Url,
  type DeviceLinkChannel,
  type DeviceLinkOffer,
  type X25519KeyPair,
} from '@veil/protocol';
import type { VeilDevice } from '../veil-device';
import { joinAccount, type JoinStep } from './join-account';
import { LinkApi } from './link-api';

export type LinkNewStep = 'enrol' | JoinStep;

export class NewDeviceLink {
  /** What the existing device scans or has pasted: the offer, base64url. */
  readonly text: string;
  private channel: DeviceLinkChannel | null = null;
  private readonly abort = new AbortController();
  private readonly links: LinkApi;

  constructor(
    private readonly device: VeilDevice,
    private readonly offer: DeviceLinkOffer,
    private readonly keyPair: X25519KeyPair,
  ) {
    this.text = toBase64Url(encodeDeviceLinkOffer(offer));
    this.links = new LinkApi(device.options.http);
  }

  static start(device: VeilDevice): NewDeviceLink {
    const { offer, keyPair } = createDeviceLinkOffer(device.options.p);
    return new NewDeviceLink(device, offer, keyPair);
  }

  /**
   * Waits for the existing device's hello (the first one posted counts), derives the channel and
   * answers `ready`. The code it returns must match the one the existing device shows: if it does
   * not, someone in between swapped a key, and the user must not `complete`.
   */
  async verificationCode(): Promise<string> {
    const { p } = this.device.options;
    const hello = await this.links.next(this.offer.channelId, 'existing', 0, this.abort.signal);
    this.channel = deviceLinkChannel(p, {
      offer: this.offer,
      own: this.keyPair,
      peerPublicKey: decodeDeviceLinkHello(hello),
      role: 'new',
    });
    p.wipe(this.keyPair.secretKey);
    await this.links.post(this.offer.channelId, 'new', sealDeviceLinkReady(p, this.channel));
    return this.channel.code;
  }

  /**
   * After the user saw matching codes: waits for the payload, redeems its token for a session and
   * joins the account with a vault under `password`. Returns the device, unlocked.
   */
  async complete(options: {
    password: string;
    deviceName?: string;
    onProgress?: (step: LinkNewStep) => void;
  }): Promise<VeilDevice> {
    const { p } = this.device.options;
    const channel = this.channel;
    if (channel === null) throw new Error('NewDeviceLink.complete: no verification code yet');
    const sealed = await this.links.next(this.offer.channelId, 'existing', 1, this.abort.signal);
    const payload = openDeviceLinkPayload(p, channel, sealed);
    p.wipe(channel.key);
    options.onProgress?.('enrol');
    await this.links.signIn(payload.enrolmentToken);
    try {
      await joinAccount(this.device, {
        account: payload.account,
        openVault: () => this.device.vault.create(options.password),
        ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      });
    } finally {
      p.wipe(payload.account.keyPair.secretKey);
    }
    return this.device;
  }

  /** Stops waiting (the user left the page); the relay forgets the channel within minutes. */
  cancel(): void {
    this.abort.abort();
  }
}
