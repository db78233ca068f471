// Builds complete parties (account, device, certificate, prekeys) for tests and benchmarks, and a
// responder-side prekey store that forgets one-time prekeys once used, as a real client does.

import {
  accountPublic,
  createAccountIdentity,
  type AccountIdentity,
  type AccountPublic,
} from '../identity/account-identity';
import { certifyDevice, type DeviceCertificate } from '../identity/device-certificate';
import { createDeviceKeys, type DeviceKeys } from '../identity/device-keys';
import type { PrekeyBundle } from '../identity/prekey-bundle';
import {
  generateOneTimePrekeys,
  generatePqPrekeys,
  generateSignedPrekey,
  type OneTimePrekey,
  type PqPrekey,
  type PrekeySecret,
  type SignedPrekey,
} from '../identity/prekeys';
import type { Primitives } from '../primitives/primitives';
import {
  acceptSession,
  initiateSession,
  sessionEncrypt,
  type PrekeyLookup,
} from '../session/pqxdh';
import { ratchetDecrypt, ratchetEncrypt } from '../session/ratchet';
import type { MlKemKeyPair, X25519KeyPair } from '../types';

export interface TestParty {
  readonly account: AccountIdentity;
  readonly pub: AccountPublic;
  readonly device: DeviceKeys;
  readonly certificate: DeviceCertificate;
  readonly signedPrekey: SignedPrekey;
  readonly lastResort: PqPrekey;
  readonly oneTime: OneTimePrekey[];
  readonly pqOneTime: PqPrekey[];
  readonly secrets: {
    signed: Map<number, PrekeySecret<X25519KeyPair>>;
    oneTime: Map<number, PrekeySecret<X25519KeyPair>>;
    pq: Map<number, PrekeySecret<MlKemKeyPair> & { lastResort: boolean }>;
  };
  /** Hands out a bundle as the relay would: each one-time prekey at most once. */
  bundle(options?: { withOneTime?: boolean; withPqOneTime?: boolean }): PrekeyBundle;
  /** Lookup that deletes nothing; call consume() with AcceptedSession.consumed afterwards. */
  readonly lookup: PrekeyLookup;
  consume(consumed: { oneTimePrekeyId: number | null; pqPrekeyId: number | null }): void;
}

export function makeParty(
  p: Primitives,
  options: { accountId: string; deviceId?: number; oneTimeCount?: number },
): TestParty {
  const account = createAccountIdentity(p, options.accountId);
  const device = createDeviceKeys(p, options.deviceId ?? 1);
  const certificate = certifyDevice(p, { account, device });
  const signed = generateSignedPrekey(p, { device, id: 1 });
  const count = options.oneTimeCount ?? 4;
  const oneTime = generateOneTimePrekeys(p, { firstId: 100, count });
  const lastResort = generatePqPrekeys(p, { device, firstId: 1, count: 1, lastResort: true });
  const pqOneTime = generatePqPrekeys(p, { device, firstId: 200, count, lastResort: false });
  const secrets = {
    signed: new Map([[signed.secret.id, signed.secret]]),
    oneTime: new Map(oneTime.secrets.map((s) => [s.id, s])),
    pq: new Map<number, PrekeySecret<MlKemKeyPair> & { lastResort: boolean }>([
      ...lastResort.secrets.map((s) => [s.id, { ...s, lastResort: true }] as const),
      ...pqOneTime.secrets.map((s) => [s.id, { ...s, lastResort: false }] as const),
    ]),
  };
  const published = { oneTime: [...oneTime.prekeys], pq: [...pqOneTime.prekeys] };
  return {
    account,
    pub: accountPublic(account),
    device,
    certificate,
    signedPrekey: signed.prekey,
    lastResort: lastResort.prekeys[0]!,
    oneTime: oneTime.prekeys,
    pqOneTime: pqOneTime.prekeys,
    secrets,
    bundle({ withOneTime = true, withPqOneTime = true } = {}) {
      const oneTimePrekey = withOneTime ? published.oneTime.shift() : undefined;
      const pqPrekey = (withPqOneTime ? published.pq.shift() : undefined) ?? lastResort.prekeys[0]!;
      return { certificate, signedPrekey: signed.prekey, pqPrekey, oneTimePrekey };
    },
    lookup: {
      signedPrekey: (id) => secrets.signed.get(id),
      oneTimePrekey: (id) => secrets.oneTime.get(id),
      pqPrekey: (id) => secrets.pq.get(id),
    },
    consume(consumed) {
      if (consumed.oneTimePrekeyId !== null) secrets.oneTime.delete(consumed.oneTimePrekeyId);
      if (consumed.pqPrekeyId !== null) secrets.pq.delete(consumed.pqPrekeyId);
    },
  };
}

/** Alice's PQXDH start to Bob carrying `first`, and Bob's acceptance of it. */
export function startedSession(p: Primitives, first: Uint8Array) {
  const alice = makeParty(p, { accountId: 'alice' });
  const bob = makeParty(p, { accountId: 'bob' });
  const start = sessionEncrypt(
    p,
    initiateSession(p, {
      account: alice.pub,
      device: alice.device,
      remote: bob.pub,
      bundle: bob.bundle(),
    }),
    first,
  );
  const accepted = acceptSession(p, {
    account: bob.pub,
    device: bob.device,
    prekeys: bob.lookup,
    start: start.message,
  });
  return { alice, bob, start, accepted };
}

/** A session in step both ways: Alice started with `first`, Bob answered `reply`, Alice read it. */
export function talkingSession(p: Primitives, first: Uint8Array, reply: Uint8Array) {
  const { alice, bob, start, accepted } = startedSession(p, first);
  const answer = ratchetEncrypt(p, accepted.state, reply);
  const aliceState = ratchetDecrypt(p, start.state, answer.message).state;
  return { alice, bob, start: start.message, aliceState, bobState: answer.state };
}
