// PQXDH session establishment (Signal's PQXDH revision 3, with X25519 and ML-KEM-768):
//   DH1 = DH(IK_A, SPK_B)  DH2 = DH(EK_A, IK_B)  DH3 = DH(EK_A, SPK_B)  [DH4 = DH(EK_A, OPK_B)]
//   (CT, SS) = ML-KEM-768.Encaps(PQPK_B)
//   SK = HKDF-SHA256(ikm = 0xFF×32 || DH1 || DH2 || DH3 || [DH4] || SS, salt = 0×32,
//                    info = LABEL.pqxdh, 32 bytes)
// The identities (account key and device identity key of both sides) are bound into every
// message's associated data by the ratchet. The initiator's first ratchet key pair is fresh;
// the responder's first ratchet key pair is its signed prekey, as in Signal.

import { LABEL } from '../constants';
import { concatBytes, equalBytes } from '../encoding/bytes';
import { fail } from '../errors';
import type { AccountPublic } from '../identity/account-identity';
import type { DeviceKeys } from '../identity/device-keys';
import { verifyPrekeyBundle, type PrekeyBundle } from '../identity/prekey-bundle';
import type { PrekeySecret } from '../identity/prekeys';
import type { Primitives } from '../primitives/primitives';
import type { MlKemKeyPair, X25519KeyPair } from '../types';
import { ratchetDecrypt, ratchetEncrypt } from './ratchet';
import { kdfRoot } from './ratchet-kdf';
import type { RatchetState, SessionIdentity } from './ratchet-state';
import { decodeSessionStart, encodeSessionStart, encodeSessionStartPrefix } from './session-start';

const KDF_PREFIX = new Uint8Array(32).fill(0xff);
const ZERO_SALT = new Uint8Array(32);

function deriveSharedKey(p: Primitives, parts: readonly Uint8Array[]): Uint8Array {
  return p.hkdf({
    ikm: concatBytes(KDF_PREFIX, ...parts),
    salt: ZERO_SALT,
    info: LABEL.pqxdh,
    length: 32,
  });
}

/**
 * Initiator side: verifies the bundle against the account key the caller pinned for the contact,
 * runs PQXDH and returns a ratchet state whose messages carry the session-start prefix until the
 * responder answers. Throws UNTRUSTED_IDENTITY / BAD_SIGNATURE for a substituted bundle.
 */
export function initiateSession(
  p: Primitives,
  options: {
    account: AccountPublic;
    device: DeviceKeys;
    remote: AccountPublic;
    bundle: PrekeyBundle;
  },
): RatchetState {
  const { account, device, remote, bundle } = options;
  verifyPrekeyBundle(p, { bundle, expected: remote });
  const remoteIdentityKey = bundle.certificate.identityKey;
  const signedPrekey = bundle.signedPrekey.publicKey;

  const ephemeral = p.x25519KeyPair();
  const dhs = [
    p.x25519(device.identity.secretKey, signedPrekey),
    p.x25519(ephemeral.secretKey, remoteIdentityKey),
    p.x25519(ephemeral.secretKey, signedPrekey),
  ];
  if (bundle.oneTimePrekey) dhs.push(p.x25519(ephemeral.secretKey, bundle.oneTimePrekey.publicKey));
  const kem = p.mlkemEncapsulate(bundle.pqPrekey.publicKey);
  const sharedKey = deriveSharedKey(p, [...dhs, kem.sharedSecret]);

  const local: SessionIdentity = {
    accountKey: account.accountKey,
    identityKey: device.identity.publicKey,
  };
  const sendingRatchet = p.x25519KeyPair();
  const root = kdfRoot(p, sharedKey, p.x25519(sendingRatchet.secretKey, signedPrekey));
  return {
    local,
    remote: { accountKey: remote.accountKey, identityKey: remoteIdentityKey },
    rootKey: root.rootKey,
    sendingRatchet,
    remoteRatchetKey: signedPrekey,
    sending: { chainKey: root.chainKey, index: 0 },
    receiving: null,
    previousSendingLength: 0,
    baseKey: ephemeral.publicKey,
    pastOwnRatchetKeys: [],
    pastRemoteRatchetKeys: [],
    skipped: new Map(),
    pendingStart: encodeSessionStartPrefix({
      initiator: local,
      ephemeralKey: ephemeral.publicKey,
      signedPrekeyId: bundle.signedPrekey.id,
      pqPrekeyId: bundle.pqPrekey.id,
      oneTimePrekeyId: bundle.oneTimePrekey?.id ?? null,
      kemCiphertext: kem.ciphertext,
    }),
  };
}

/** The prekey secrets a responder holds, looked up by id; `undefined` when gone (already used). */
export interface PrekeyLookup {
  signedPrekey(id: number): PrekeySecret<X25519KeyPair> | undefined;
  oneTimePrekey(id: number): PrekeySecret<X25519KeyPair> | undefined;
  pqPrekey(id: number): (PrekeySecret<MlKemKeyPair> & { readonly lastResort: boolean }) | undefined;
}

export interface AcceptedSession {
  readonly state: RatchetState;
  readonly plaintext: Uint8Array;
  /** The initiator's identity as the start message claims it; the caller checks it against the sender certificate. */
  readonly initiator: SessionIdentity;
  /** One-time prekeys this start consumed: the caller deletes them, so a replay cannot reuse them. */
  readonly consumed: {
    readonly oneTimePrekeyId: number | null;
    readonly pqPrekeyId: number | null;
  };
}

/**
 * Responder side: rebuilds the session from a session start and decrypts its message. Nothing is
 * returned unless the message authenticates. A start whose one-time prekey is gone is refused
 * (MISSING_PREKEY): that is how a replayed start is stopped once its prekey was consumed.
 */
export function acceptSession(
  p: Primitives,
  options: { account: AccountPublic; device: DeviceKeys; prekeys: PrekeyLookup; start: Uint8Array },
): AcceptedSession {
  const { account, device, prekeys } = options;
  const start = decodeSessionStart(options.start);
  if (equalBytes(start.initiator.identityKey, device.identity.publicKey)) {
    fail('REFLECTED', 'acceptSession: session start comes from this very device');
  }
  const signedPrekey = prekeys.signedPrekey(start.signedPrekeyId);
  const pqPrekey = prekeys.pqPrekey(start.pqPrekeyId);
  const oneTime =
    start.oneTimePrekeyId === null ? null : prekeys.oneTimePrekey(start.oneTimePrekeyId);
  if (!signedPrekey || !pqPrekey || oneTime === undefined) {
    fail('MISSING_PREKEY', 'acceptSession: a prekey named by the session start is unknown or used');
  }

  const dhs = [
    p.x25519(signedPrekey.keyPair.secretKey, start.initiator.identityKey),
    p.x25519(device.identity.secretKey, start.ephemeralKey),
    p.x25519(signedPrekey.keyPair.secretKey, start.ephemeralKey),
  ];
  if (oneTime !== null) dhs.push(p.x25519(oneTime.keyPair.secretKey, start.ephemeralKey));
  const sharedSecret = p.mlkemDecapsulate(pqPrekey.keyPair.secretKey, start.kemCiphertext);
  const sharedKey = deriveSharedKey(p, [...dhs, sharedSecret]);

  const initial: RatchetState = {
    local: { accountKey: account.accountKey, identityKey: device.identity.publicKey },
    remote: start.initiator,
    rootKey: sharedKey,
    sendingRatchet: signedPrekey.keyPair,
    remoteRatchetKey: null,
    sending: null,
    receiving: null,
    previousSendingLength: 0,
    baseKey: start.ephemeralKey,
    pastOwnRatchetKeys: [],
    pastRemoteRatchetKeys: [],
    skipped: new Map(),
    pendingStart: null,
  };
  const { state, plaintext } = ratchetDecrypt(p, initial, start.message);
  return {
    state,
    plaintext,
    initiator: start.initiator,
    consumed: {
      oneTimePrekeyId: start.oneTimePrekeyId,
      pqPrekeyId: pqPrekey.lastResort ? null : start.pqPrekeyId,
    },
  };
}

/** The base key a session start names, so a responder can match it to an existing session. */
export function sessionStartBaseKey(start: Uint8Array): Uint8Array {
  return decodeSessionStart(start).ephemeralKey;
}

/**
 * Encrypts for a session, adding the session-start prefix while the peer has not answered yet.
 * Returns `kind: 'start'` when the bytes are a session start (the receiver must use acceptSession
 * or, if it already has this session, sessionDecrypt).
 */
export function sessionEncrypt(
  p: Primitives,
  state: RatchetState,
  plaintext: Uint8Array,
): { state: RatchetState; message: Uint8Array; kind: 'start' | 'message' } {
  const result = ratchetEncrypt(p, state, plaintext);
  if (state.pendingStart === null) return { ...result, kind: 'message' };
  return {
    state: result.state,
    message: encodeSessionStart(state.pendingStart, result.message),
    kind: 'start',
  };
}

/**
 * Decrypts a session start for a session we already hold (the initiator keeps sending the prefix
 * until it hears back). The base key must match, else it is another session: UNKNOWN_SENDER.
 */
export function sessionDecryptStart(
  p: Primitives,
  state: RatchetState,
  startBytes: Uint8Array,
): { state: RatchetState; plaintext: Uint8Array } {
  const start = decodeSessionStart(startBytes);
  if (!equalBytes(start.ephemeralKey, state.baseKey)) {
    fail('UNKNOWN_SENDER', 'sessionDecryptStart: session start belongs to another session');
  }
  return ratchetDecrypt(p, state, start.message);
}
