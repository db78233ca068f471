// Suite 2, protocol openers (docs/security.md): the decoders that go on to verify and decrypt —
// sealed envelopes, ratchet messages, sender-key messages, session starts, vault files — fed
// hostile inputs against real keys and live sessions, so an input that survives the parser reaches
// the signature check and the AEAD. Same rule as the parsers: accept, or a ProtocolError.

import { describe, expect, test } from 'vitest';
import { toHex } from '../encoding/bytes';
import { openFromMany } from '../envelope/multi-sealed-envelope';
import { openEnvelope } from '../envelope/sealed-envelope';
import { groupDecrypt } from '../group/sender-key';
import type { Primitives } from '../primitives/primitives';
import { acceptSession } from '../session/pqxdh';
import { ratchetDecrypt } from '../session/ratchet';
import { importVault } from '../vault/vault-import';
import { useDecoderSuite } from './decoder-suite';

const suite = useDecoderSuite('Suite 2 — protocol openers');

/**
 * Every input that gets past the parser costs an X25519 (or four and an ML-KEM decapsulation):
 * 100,000 per surface took over four minutes on this shared machine, so CI feeds 5,000 (2,000 to
 * the PQXDH responder) and soak mode ten times that. The parsers these paths start with get their
 * 100,000 in decoders.attack.test.ts.
 */
const OPENER_INPUTS = 5_000;
const PQXDH_ACCEPT_INPUTS = 2_000;

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
    suite.fuzz(
      'sealed envelope',
      suite.seeds.sealed,
      (sealed) => openEnvelope(suite.p, { identity, sealed }),
      OPENER_INPUTS,
    );
  });

  test('multi-recipient sealed envelope', () => {
    const identity = suite.seeds.bob.device.identity;
    const split = suite.seeds.multiKeyRecordLength;
    suite.fuzz(
      'multi-recipient envelope',
      suite.seeds.multiSealed,
      (input) =>
        openFromMany(suite.p, {
          identity,
          keyRecord: input.subarray(0, split),
          body: input.subarray(split),
        }),
      OPENER_INPUTS,
    );
  });

  test('ratchet message (decoded and decrypted against a live session)', () => {
    suite.fuzz(
      'ratchet message',
      suite.seeds.ratchetMessages,
      (message) => ratchetDecrypt(suite.p, suite.seeds.aliceState, message),
      OPENER_INPUTS,
    );
  });

  test('sender-key message (decoded, verified and decrypted)', () => {
    const state = suite.seeds.senderKeyReceiver;
    suite.fuzz(
      'sender-key message',
      suite.seeds.senderKeyMessages,
      (message) => groupDecrypt(suite.p, { state, message, minimumEpoch: 0 }),
      OPENER_INPUTS,
    );
  });

  test('PQXDH session start accepted by the responder', () => {
    const { bob } = suite.seeds;
    suite.fuzz(
      'PQXDH accept (deep)',
      suite.seeds.sessionStarts,
      (start) =>
        acceptSession(suite.p, {
          account: bob.pub,
          device: bob.device,
          prekeys: bob.lookup,
          start,
        }),
      PQXDH_ACCEPT_INPUTS,
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
    const fast = withFastKdf(p, keys);
    suite.fuzz(
      'vault backup file',
      seeds.vaultFiles,
      (data) => importVault(fast, { password, data }),
      OPENER_INPUTS,
    );
  });
});
