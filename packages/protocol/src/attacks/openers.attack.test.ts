// Suite 2, protocol openers (docs/security.md): the decoders that go on to verify and decrypt —
// sealed envelopes, ratchet messages, sender-key messages, session starts, vault files — fed
// hostile inputs against real keys and live sessions, so an input that survives the parser reaches
// the signature check and the AEAD. Same rule as the parsers: accept, or a ProtocolError.

import { describe, expect, test } from 'vitest';
import { toHex } from '../encoding/bytes';
import { openFromMany } from '../envelope/multi-sealed-envelope';
import { openEnvelope } from '../envelope/sealed-envelope';
import { groupDecrypt } from '../group/sender-key';
import { verifyJoinRequest } from '../group/group-invite';
import { decodeContent } from '../content/content-record';
import type { Primitives } from '../primitives/primitives';
import { acceptSession } from '../session/pqxdh';
import { ratchetDecrypt } from '../session/ratchet';
import { importVault } from '../vault/vault-import';
import { useDecoderSuite } from './decoder-suite';
import { CI_INPUTS_PER_SURFACE } from './fuzz-harness';

const suite = useDecoderSuite('Suite 2 — protocol openers');

/**
 * 100,000 inputs per opener, as for the parsers, on watched primitives (layered-primitives.ts): a
 * key agreement already computed for the same inputs is reused rather than recomputed, and a
 * ratchet step's fresh key pair is one pair per surface, which brought every opener within the CI
 * budget. What is still paid per input is what the input itself makes new: a mutated ratchet or
 * ephemeral key costs real X25519s, a mutated KEM ciphertext a real ML-KEM decapsulation.
 */
const OPENER_INPUTS = CI_INPUTS_PER_SURFACE;

const kdfId = (options: Parameters<Primitives['argon2id']>[0]): string => {
  const { password, salt, params, length = 32 } = options;
  return [toHex(password), toHex(salt), params.opsLimit, params.memLimit, length].join();
};

/**
 * Argon2id (64 MiB at the minimum) would limit the vault surface to a few inputs a second: every
 * mutated salt or limit is a fresh hash. The parser, not the KDF, is under test, so an unknown
 * (password, salt, limits) gets a BLAKE2b of the same inputs — a wrong key, as a real mismatch
 * would be — and only the seed file's own derivation is the real Argon2id.
 */
function withFastKdf(real: Primitives, seedKeys: Map<string, Uint8Array>): Primitives {
  return {
    ...real,
    argon2id(options) {
      const known = seedKeys.get(kdfId(options));
      if (known !== undefined) return known.slice();
      return real.blake2b(new TextEncoder().encode(kdfId(options)), options.length ?? 32);
    },
  };
}

describe('suite 2: protocol openers under hostile input', { timeout: 3_600_000 }, () => {
  test('sealed envelope', () => {
    const identity = suite.seeds.bob.device.identity;
    suite.fuzzOpener(
      'sealed envelope',
      suite.seeds.sealed,
      (p, sealed) => openEnvelope(p, { identity, sealed }),
      OPENER_INPUTS,
    );
  });

  test('multi-recipient sealed envelope', () => {
    const identity = suite.seeds.bob.device.identity;
    const split = suite.seeds.multiKeyRecordLength;
    suite.fuzzOpener(
      'multi-recipient envelope',
      suite.seeds.multiSealed,
      (p, input) =>
        openFromMany(p, {
          identity,
          keyRecord: input.subarray(0, split),
          body: input.subarray(split),
        }),
      OPENER_INPUTS,
    );
  });

  test('ratchet message (decoded and decrypted against a live session)', () => {
    suite.fuzzOpener(
      'ratchet message',
      suite.seeds.ratchetMessages,
      (p, message) => ratchetDecrypt(p, suite.seeds.aliceState, message),
      OPENER_INPUTS,
    );
  });

  test('sender-key message (decoded, verified and decrypted)', () => {
    const state = suite.seeds.senderKeyReceiver;
    suite.fuzzOpener(
      'sender-key message',
      suite.seeds.senderKeyMessages,
      (p, message) => groupDecrypt(p, { state, message, minimumEpoch: 0 }),
      OPENER_INPUTS,
    );
  });

  test('PQXDH session start accepted by the responder', () => {
    const { bob } = suite.seeds;
    suite.fuzzOpener(
      'PQXDH accept (deep)',
      suite.seeds.sessionStarts,
      (p, start) =>
        acceptSession(p, {
          account: bob.pub,
          device: bob.device,
          prekeys: bob.lookup,
          start,
        }),
      OPENER_INPUTS,
    );
  });

  test('join request (decoded, then its proof checked against the current link)', () => {
    const { joinGroup: state, joinRequester: requester } = suite.seeds;
    suite.fuzzOpener(
      'join request',
      suite.seeds.joinRequests,
      (p, input) => {
        const content = decodeContent(input);
        if (content.type === 'joinRequest')
          verifyJoinRequest(p, { state, requester, proof: content.proof });
      },
      OPENER_INPUTS,
    );
  });

  test('vault export / backup file', () => {
    const { p, seeds } = suite;
    const keys = new Map<string, Uint8Array>();
    const recording: Primitives = {
      ...p,
      argon2id(options) {
        const key = p.argon2id(options);
        keys.set(kdfId(options), key);
        return key.slice();
      },
    };
    const password = seeds.vaultPassword;
    expect(importVault(recording, { password, data: seeds.vaultFiles[0]! })).toHaveLength(2);
    // fuzzOpener hands every input the same watched primitives: wrap them once.
    let fast: Primitives | undefined;
    suite.fuzzOpener(
      'vault backup file',
      seeds.vaultFiles,
      (watched, data) => importVault((fast ??= withFastKdf(watched, keys)), { password, data }),
      OPENER_INPUTS,
    );
  });
});
