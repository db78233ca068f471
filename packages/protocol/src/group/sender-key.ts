// Sender keys (Signal-style, DESIGN.md §4): each member device has, per group and key epoch, a hash
// chain for message keys and an Ed25519 key that signs every message. A message is encrypted once
// and fanned out by the relay; its signature lets every member check which device wrote it.
//
// Chain step: MK = HMAC(CK, 0x01), next CK = HMAC(CK, 0x02);
// (key, nonce) = HKDF-Expand(MK, LABEL.senderKeyMessage, 56); XChaCha20-Poly1305 with AD = header.

import { CHAIN_MESSAGE_KEY_SEED, CHAIN_NEXT_KEY_SEED, LABEL, LIMITS } from '../constants';
import { ByteWriter } from '../encoding/byte-writer';
import { concatBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { Primitives } from '../primitives/primitives';
import type { Ed25519PublicKey, Ed25519SecretKey } from '../types';
import { GROUP_ID_BYTES, type GroupSender } from './group-types';
import { decodeGroupMessage, encodeGroupMessageHeader, type GroupMessage } from './group-message';

export interface SenderKeyState {
  readonly groupId: Uint8Array;
  /** The group's key epoch this chain belongs to; removals start a new epoch and new chains. */
  readonly epoch: number;
  readonly sender: GroupSender;
  readonly chainId: number;
  /** Index of the next message key the chain will produce. */
  readonly iteration: number;
  readonly chainKey: Uint8Array;
  readonly signingKey: Ed25519PublicKey;
  /** Only on the sender's own state. */
  readonly signingSecret: Ed25519SecretKey | null;
  /** Message keys skipped over, by iteration, oldest first. */
  readonly skipped: ReadonlyMap<number, Uint8Array>;
}

function step(
  p: Primitives,
  chainKey: Uint8Array,
): { messageKey: Uint8Array; chainKey: Uint8Array } {
  return {
    messageKey: p.hmacSha256(chainKey, CHAIN_MESSAGE_KEY_SEED),
    chainKey: p.hmacSha256(chainKey, CHAIN_NEXT_KEY_SEED),
  };
}

function messageKeys(
  p: Primitives,
  messageKey: Uint8Array,
): { key: Uint8Array; nonce: Uint8Array } {
  const out = p.hkdfExpand(messageKey, LABEL.senderKeyMessage, 56);
  return { key: out.subarray(0, 32), nonce: out.subarray(32, 56) };
}

export function createOwnSenderKey(
  p: Primitives,
  options: { groupId: Uint8Array; epoch: number; sender: GroupSender },
): SenderKeyState {
  if (options.groupId.length !== GROUP_ID_BYTES)
    fail('INVALID_ARGUMENT', 'createOwnSenderKey: group id must be 16 bytes');
  const signing = p.ed25519KeyPair();
  const chainIdBytes = p.randomBytes(4);
  return {
    groupId: options.groupId,
    epoch: options.epoch,
    sender: options.sender,
    chainId: new DataView(chainIdBytes.buffer, chainIdBytes.byteOffset, 4).getUint32(0),
    iteration: 0,
    chainKey: p.randomBytes(32),
    signingKey: signing.publicKey,
    signingSecret: signing.secretKey,
    skipped: new Map(),
  };
}

/** Encrypts and signs one group message. The cost does not depend on the number of members. */
export function groupEncrypt(
  p: Primitives,
  state: SenderKeyState,
  plaintext: Uint8Array,
): { state: SenderKeyState; message: Uint8Array } {
  if (state.signingSecret === null)
    fail('INVALID_ARGUMENT', 'groupEncrypt: not our own sender key');
  if (plaintext.length > LIMITS.maxMessageBytes)
    fail('TOO_LARGE', 'groupEncrypt: plaintext too large');
  const { messageKey, chainKey } = step(p, state.chainKey);
  const header = encodeGroupMessageHeader({
    groupId: state.groupId,
    epoch: state.epoch,
    sender: state.sender,
    chainId: state.chainId,
    iteration: state.iteration,
  });
  const { key, nonce } = messageKeys(p, messageKey);
  const ciphertext = p.xchachaEncrypt(key, nonce, plaintext, header);
  const unsigned = new ByteWriter(header.length + ciphertext.length + 4)
    .rest(header)
    .bytes(ciphertext)
    .finish();
  const signature = p.sign(state.signingSecret, concatBytes(LABEL.senderKeySignature, unsigned));
  return {
    state: { ...state, chainKey, iteration: state.iteration + 1 },
    message: concatBytes(unsigned, signature),
  };
}

function sameSender(a: GroupSender, b: GroupSender): boolean {
  return a.accountId === b.accountId && a.deviceId === b.deviceId;
}

/**
 * Verifies and decrypts one group message on the receiving state of its sender's chain. Refuses
 * (state unchanged): BAD_SIGNATURE before the chain is touched, WRONG_EPOCH for a chain older than
 * `minimumEpoch` (the group's last removal) or a message from another epoch, UNKNOWN_SENDER for
 * another sender or chain, REPLAY for an iteration already used, TOO_MANY_SKIPPED, DECRYPT_FAILED.
 */
export function groupDecrypt(
  p: Primitives,
  options: { state: SenderKeyState; message: Uint8Array | GroupMessage; minimumEpoch: number },
): { state: SenderKeyState; plaintext: Uint8Array } {
  const { state, minimumEpoch } = options;
  const message =
    options.message instanceof Uint8Array ? decodeGroupMessage(options.message) : options.message;
  const { header } = message;
  if (state.epoch < minimumEpoch)
    fail('WRONG_EPOCH', 'groupDecrypt: sender key predates the last removal');
  if (header.epoch !== state.epoch)
    fail('WRONG_EPOCH', 'groupDecrypt: message is for another key epoch');
  if (
    !sameSender(header.sender, state.sender) ||
    header.chainId !== state.chainId ||
    header.groupId.length !== state.groupId.length ||
    !header.groupId.every((byte, i) => byte === state.groupId[i])
  ) {
    fail('UNKNOWN_SENDER', 'groupDecrypt: message belongs to another sender chain');
  }
  if (
    !p.verify(
      state.signingKey,
      concatBytes(LABEL.senderKeySignature, message.signed),
      message.signature,
    )
  ) {
    fail('BAD_SIGNATURE', 'groupDecrypt: signature does not verify');
  }

  let messageKey: Uint8Array;
  let next: SenderKeyState;
  if (header.iteration < state.iteration) {
    const stored = state.skipped.get(header.iteration);
    if (stored === undefined) fail('REPLAY', 'groupDecrypt: message key already used');
    const skipped = new Map(state.skipped);
    skipped.delete(header.iteration);
    messageKey = stored;
    next = { ...state, skipped };
  } else {
    if (header.iteration - state.iteration > LIMITS.maxSkip) {
      fail('TOO_MANY_SKIPPED', `groupDecrypt: message skips more than ${LIMITS.maxSkip} keys`);
    }
    const skipped = header.iteration > state.iteration ? new Map(state.skipped) : state.skipped;
    let chainKey = state.chainKey;
    for (let i = state.iteration; i < header.iteration; i++) {
      const out = step(p, chainKey);
      (skipped as Map<number, Uint8Array>).set(i, out.messageKey);
      chainKey = out.chainKey;
    }
    for (const key of skipped.keys()) {
      if (skipped.size <= LIMITS.maxStoredSkippedKeys) break;
      (skipped as Map<number, Uint8Array>).delete(key);
    }
    const out = step(p, chainKey);
    messageKey = out.messageKey;
    next = { ...state, chainKey: out.chainKey, iteration: header.iteration + 1, skipped };
  }
  const { key, nonce } = messageKeys(p, messageKey);
  const plaintext = p.xchachaDecrypt(key, nonce, message.ciphertext, message.headerBytes);
  return { state: next, plaintext };
}
