// Linking a browser from a signed-in device, against a real relay: the codes match, the new device
// joins the account (same account key, next device id, the signed list grows) and receives messages;
// a key swapped on the channel (what a hostile relay could do) shows as different codes and is
// refused before anything secret is sent; an enrolment token works once and only for a device.
import {
  decodeDeviceList,
  encodeDeviceLinkHello,
  decodeDeviceLinkOffer,
  fromBase64Url,
  loadPrimitives,
  toBase64Url,
  type Primitives,
} from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RelayHttp } from '../relay/relay-http';
import { signIn } from '../relay/password-auth';
import {
  newTestDevice,
  socketFor,
  TEST_STRETCHING,
  testDatabase,
  until,
} from '../test-support/test-device';
import { VeilDevice } from '../veil-device';
import { LinkApi } from './link-api';
import { DeviceLinkTamperedError } from './link-existing-device';

let p: Primitives;
let relay: TestRelay;
beforeAll(async () => {
  p = await loadPrimitives();
});
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await relay.stop();
});

function freshBrowser() {
  const http = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
  const db = testDatabase('alice');
  return { http, db, link: VeilDevice.startLink({ p, db, http, keyStretching: TEST_STRETCHING }) };
}

describe('linking a device from a signed-in one', () => {
  it('shows one code on both screens, then joins the account and receives its messages', async () => {
    const first = await newTestDevice(p, relay, 'alice');
    const fresh = freshBrowser();
    const [existing, newCode] = await Promise.all([
      first.linkDevice(fresh.link.text),
      fresh.link.verificationCode(),
    ]);
    expect(newCode).toMatch(/^\d{6}$/);
    expect(newCode).toBe(existing.code);
    const [, second] = await Promise.all([
      existing.approve(),
      fresh.link.complete({ password: 'local password', deviceName: 'Linked browser' }),
    ]);

    const identity = await second.keys.identity();
    expect(identity.account.accountKey).toEqual((await first.keys.identity()).account.accountKey);
    expect(identity.device.deviceId).toBe(2);
    const served = decodeDeviceList((await first.api.directory('alice')).deviceList);
    expect(served.devices.map((d) => d.name)).toEqual(['This browser', 'Linked browser']);

    // The vault is this browser's own: the chosen password opens it, offline.
    second.vault.lock();
    await second.vault.unlockWithPassword('local password');

    const bob = await newTestDevice(p, relay, 'bob');
    await bob.addContact('alice');
    const socket = socketFor(second, fresh.http, relay);
    await until(() => socket.state === 'open', 'linked device online');
    await bob.messenger.sendText('alice', 'hello both');
    await until(
      async () => (await second.messenger.history('bob', { limit: 5 })).length === 1,
      'the linked device has it',
    );
    socket.stop();
  }, 30_000);

  it('refuses a swapped key: the codes differ and nothing is sent', async () => {
    const first = await newTestDevice(p, relay, 'alice');
    const fresh = freshBrowser();
    // What a hostile relay would do: answer the new browser with its own key before the real one,
    // in the name of Alice's account (done here inside the test relay: another account's device
    // may not post to a channel it did not open).
    const offer = decodeDeviceLinkOffer(fromBase64Url(fresh.link.text));
    const aliceRow = await relay.app.db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', 'alice')
      .executeTakeFirstOrThrow();
    relay.app.linkRendezvous.post(
      toBase64Url(offer.channelId),
      'existing',
      toBase64Url(encodeDeviceLinkHello(p.x25519KeyPair().publicKey)),
      aliceRow.id,
    );

    const newCode = await fresh.link.verificationCode();
    const existing = await first.linkDevice(fresh.link.text);
    expect(newCode).not.toBe(existing.code);
    await expect(existing.approve()).rejects.toBeInstanceOf(DeviceLinkTamperedError);
    fresh.link.cancel();
    // No payload was posted: the existing side holds only the two hellos.
    const links = new LinkApi(fresh.http);
    expect(await links.read(offer.channelId, 'existing')).toHaveLength(2);
    expect(decodeDeviceList((await first.api.directory('alice')).deviceList).counter).toBe(1);
  }, 30_000);

  it('mints enrolment tokens only for a registered device, and each works once', async () => {
    const first = await newTestDevice(p, relay, 'alice');
    const { token } = await new LinkApi(first.http).enrol();
    const http = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
    const links = new LinkApi(http);
    const signedIn = await links.signIn(token);
    expect(signedIn.account.username).toBe('alice');
    // A session from a token (or a bare password sign-in) is not a device: it cannot enrol another.
    await expect(links.enrol()).rejects.toMatchObject({ code: 'RELAY_ERR_DEVICE_NOT_BOUND' });
    const other = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
    await expect(new LinkApi(other).signIn(token)).rejects.toMatchObject({
      code: 'RELAY_ERR_LINK_TOKEN',
    });
    const password = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
    await signIn(password, {
      username: 'alice',
      password: 'alice password',
      keyStretching: TEST_STRETCHING,
    });
    await expect(new LinkApi(password).enrol()).rejects.toMatchObject({
      code: 'RELAY_ERR_DEVICE_NOT_BOUND',
    });
  }, 30_000);
});
