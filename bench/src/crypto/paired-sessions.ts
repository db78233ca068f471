// Alice and Bob with a session in step both ways (Alice's PQXDH start, Bob's reply read): the
// fixed state the crypto and group sections run their per-message work on.
import {
  acceptSession,
  initiateSession,
  ratchetDecrypt,
  ratchetEncrypt,
  sessionEncrypt,
  type Primitives,
  type RatchetState,
} from '@veil/protocol';
import { makeParty } from '@veil/protocol/test-support';

const KIB = new Uint8Array(1024).fill(0x61);

export function pairedSessions(p: Primitives) {
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
    KIB,
  );
  const accepted = acceptSession(p, {
    account: bob.pub,
    device: bob.device,
    prekeys: bob.lookup,
    start: start.message,
  });
  const reply = ratchetEncrypt(p, accepted.state, KIB);
  const aliceState: RatchetState = ratchetDecrypt(p, start.state, reply.message).state;
  return { alice, bob, aliceState, bobState: reply.state };
}
