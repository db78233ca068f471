// Device linking: both sides agree on the key and code; the payload carries the account identity
// and token across; a swapped hello key gives different codes and an unforgeable `ready`.
import { beforeAll, describe, expect, test } from 'vitest';
import { loadPrimitives } from '../primitives/load';
import type { Primitives } from '../primitives/primitives';
import { expectProtocolError } from '../test-support/expect-protocol-error';
import type { X25519PublicKey } from '../types';
import { createAccountIdentity } from './account-identity';
import {
  createDeviceLinkOffer,
  decodeDeviceLinkHello,
  decodeDeviceLinkOffer,
  deviceLinkChannel,
  encodeDeviceLinkHello,
  encodeDeviceLinkOffer,
  openDeviceLinkPayload,
  openDeviceLinkReady,
  sealDeviceLinkPayload,
  sealDeviceLinkReady,
} from './device-link';

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

function bothSides(helloKeyOverride?: X25519PublicKey) {
  const created = createDeviceLinkOffer(p);
  const offer = decodeDeviceLinkOffer(encodeDeviceLinkOffer(created.offer));
  const existingKeys = p.x25519KeyPair();
  const existing = deviceLinkChannel(p, {
    offer,
    own: existingKeys,
    peerPublicKey: offer.publicKey,
    role: 'existing',
  });
  const hello = decodeDeviceLinkHello(
    encodeDeviceLinkHello(helloKeyOverride ?? existingKeys.publicKey),
  );
  const fresh = deviceLinkChannel(p, {
    offer: created.offer,
    own: created.keyPair,
    peerPublicKey: hello,
    role: 'new',
  });
  return { existing, fresh };
}

describe('device link', () => {
  test('both sides derive one key and one six-digit code; the payload crosses intact', () => {
    const { existing, fresh } = bothSides();
    expect(fresh.code).toMatch(/^\d{6}$/);
    expect(fresh.code).toBe(existing.code);
    expect(fresh.key).toEqual(existing.key);
    openDeviceLinkReady(p, existing, sealDeviceLinkReady(p, fresh));
    const account = createAccountIdentity(p, 'alice');
    const sealed = sealDeviceLinkPayload(p, existing, { account, enrolmentToken: 'tok' });
    const opened = openDeviceLinkPayload(p, fresh, sealed);
    expect(opened.enrolmentToken).toBe('tok');
    expect(opened.account.accountId).toBe('alice');
    expect(opened.account.accountKey).toEqual(account.accountKey);
  });

  test('a relay that swaps the hello key shows a different code and cannot forge ready', () => {
    const { existing, fresh } = bothSides(p.x25519KeyPair().publicKey);
    expect(fresh.code).not.toBe(existing.code);
    expectProtocolError(
      () => openDeviceLinkReady(p, existing, sealDeviceLinkReady(p, fresh)),
      'DECRYPT_FAILED',
    );
  });

  test('a message of another kind, an altered byte or an unknown version is refused', () => {
    const { existing, fresh } = bothSides();
    const ready = sealDeviceLinkReady(p, fresh);
    expectProtocolError(() => openDeviceLinkPayload(p, existing, ready), 'MALFORMED');
    const altered = ready.slice();
    altered[altered.length - 1]! ^= 1;
    expectProtocolError(() => openDeviceLinkReady(p, existing, altered), 'DECRYPT_FAILED');
    const offer = encodeDeviceLinkOffer(createDeviceLinkOffer(p).offer);
    offer[0] = 9;
    expectProtocolError(() => decodeDeviceLinkOffer(offer), 'UNKNOWN_VERSION');
  });
});
