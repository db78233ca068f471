// The signed-in device's half of linking a new browser (docs/protocol.md, "Linking a device"). It
// reads the new browser's offer (scanned or pasted), posts its hello, and shows the verification
// code. Only once the user confirmed the codes match does `approve` go on: it waits for the new
// browser's `ready` — which only the holder of the offer's secret key can make, so a relay that
// swapped a key is refused here — then asks the relay for a one-time enrolment token and sends the
// account identity and the token, encrypted under the channel key.
import {
  decodeDeviceLinkOffer,
  deviceLinkChannel,
  encodeDeviceLinkHello,
  fromBase64Url,
  isProtocolError,
  openDeviceLinkReady,
  sealDeviceLinkPayload,
  type DeviceLinkChannel,
} from '@veil/protocol';
import type { VeilDevice } from '../veil-device';
import { LinkApi } from './link-api';

/** The new browser's answer did not open under the channel key: someone swapped a key. */
export class DeviceLinkTamperedError extends Error {
  readonly code = 'LINK_TAMPERED';
  constructor(options?: { cause?: unknown }) {
    super(
      'The other device could not prove it is the one that showed the code: nothing was sent',
      options,
    );
  }
}

/** The text was not a link code (mistyped, or something else pasted). */
export class DeviceLinkCodeError extends Error {
  readonly code = 'LINK_CODE';
  constructor(options?: { cause?: unknown }) {
    super('That is not a Veil link code', options);
  }
}

export class ExistingDeviceLink {
  private readonly abort = new AbortController();

  private constructor(
    private readonly device: VeilDevice,
    private readonly channel: DeviceLinkChannel,
    private readonly links: LinkApi,
  ) {}

  /** The six digits both screens must show. */
  get code(): string {
    return this.channel.code;
  }

  /** Reads the new browser's offer text and says hello on its channel. */
  static async start(device: VeilDevice, text: string): Promise<ExistingDeviceLink> {
    const { p, http } = device.options;
    let offer;
    try {
      offer = decodeDeviceLinkOffer(fromBase64Url(text.trim()));
    } catch (error) {
      throw new DeviceLinkCodeError({ cause: error });
    }
    const own = p.x25519KeyPair();
    const channel = deviceLinkChannel(p, {
      offer,
      own,
      peerPublicKey: offer.publicKey,
      role: 'existing',
    });
    p.wipe(own.secretKey);
    const links = new LinkApi(http);
    await links.post(offer.channelId, 'existing', encodeDeviceLinkHello(own.publicKey));
    return new ExistingDeviceLink(device, channel, links);
  }

  /** The user saw the same code on both screens: send the account to the new browser. */
  async approve(): Promise<void> {
    const { p } = this.device.options;
    const { channelId } = this.channel;
    const ready = await this.links.next(channelId, 'new', 0, this.abort.signal);
    try {
      openDeviceLinkReady(p, this.channel, ready);
    } catch (error) {
      if (isProtocolError(error)) throw new DeviceLinkTamperedError({ cause: error });
      throw error;
    }
    const { token } = await this.links.enrol();
    const { account } = await this.device.keys.identity();
    await this.links.post(
      channelId,
      'existing',
      sealDeviceLinkPayload(p, this.channel, { account, enrolmentToken: token }),
    );
    p.wipe(this.channel.key);
  }

  cancel(): void {
    this.abort.abort();
  }
}
