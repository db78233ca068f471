// Turns content into sealed envelopes for one remote device and back: picks or starts the Double
// Ratchet session, seals to the device's identity key with our certificate inside, and on receipt
// checks that the certificate, the contact's pinned key and the session all name the same sender.
// Per device it keeps the current session and a few archived ones (SessionRecord): we send on the
// current one; a message opens on whichever it belongs to, and that one becomes current, so two
// devices that started sessions with each other at once converge on one.
// Our own other devices are recipients too (sent transcripts): for them the remote account is our
// own, checked against our own account key rather than a contact's pinned one.
import {
  acceptSession,
  accountPublic,
  encodeDeviceCertificate,
  equalBytes,
  findSessionByBaseKey,
  initiateSession,
  openEnvelope,
  promoteSession,
  ProtocolError,
  sealEnvelope,
  sessionRecordDecrypt,
  sessionRecordEncrypt,
  sessionStartBaseKey,
  toBase64Url,
  verifyDeviceCertificate,
  type AccountIdentity,
  type AccountPublic,
  type DeviceCertificate,
  type PrekeyBundle,
  type Primitives,
  type RatchetState,
  type SessionRecord,
} from '@veil/protocol';
import { canSendTo, type IdentityObservation } from '../contacts/contact';
import type { ContactBook } from '../contacts/contact-book';
import type { KeyStore } from '../keys/key-store';
import { KeyedQueue } from './keyed-queue';
import type { DeviceAddress, SessionStore } from './session-store';

export interface OpenedEnvelope {
  readonly sender: DeviceAddress;
  readonly certificate: DeviceCertificate;
  readonly plaintext: Uint8Array;
  /** Set when the sender's account key differs from the one pinned: the UI must warn. */
  readonly identityChanged: boolean;
}

const CERTIFICATE_CACHE_LIMIT = 1000;

export class EnvelopeCipher {
  private readonly queue = new KeyedQueue();
  /** Certificates whose signature already verified (Ed25519 verification is the open path's costliest step). */
  private readonly verified = new Set<string>();

  constructor(
    private readonly p: Primitives,
    private readonly keys: KeyStore,
    private readonly sessions: SessionStore,
    private readonly contacts: ContactBook,
  ) {}

  /**
   * Encrypts `plaintext` for one device of a contact. `fetchBundle` is called only when no session
   * exists yet. Refuses while the contact has an unacknowledged key change or is blocked.
   */
  async encrypt(options: {
    recipient: DeviceAddress;
    plaintext: Uint8Array;
    fetchBundle: () => Promise<PrekeyBundle>;
  }): Promise<Uint8Array> {
    const { recipient } = options;
    return this.queue.run(queueKey(recipient), async () => {
      const identity = await this.keys.identity();
      const remote = await this.remoteAccount(recipient.accountId, identity.account);
      let record = await this.sessions.get(recipient);
      if (record === undefined) {
        const bundle = await options.fetchBundle();
        if (bundle.certificate.deviceId !== recipient.deviceId) {
          throw new ProtocolError(
            'UNTRUSTED_IDENTITY',
            'EnvelopeCipher.encrypt: bundle is for another device',
          );
        }
        record = promoteSession(
          undefined,
          initiateSession(this.p, {
            account: identity.account,
            device: identity.device,
            remote,
            bundle,
          }),
        );
      }
      const out = sessionRecordEncrypt(this.p, record, options.plaintext);
      const sealed = sealEnvelope(this.p, {
        recipient: record.current.remote.identityKey,
        payload: {
          kind: out.kind === 'start' ? 'sessionStart' : 'message',
          certificate: identity.certificate,
          body: out.message,
        },
      });
      await this.sessions.put(recipient, out.record);
      return sealed;
    });
  }

  /** Opens one envelope addressed to this device. Throws a ProtocolError for anything forged or replayed. */
  async decrypt(sealed: Uint8Array): Promise<OpenedEnvelope> {
    const identity = await this.keys.identity();
    const payload = openEnvelope(this.p, { identity: identity.device.identity, sealed });
    if (payload.kind === 'group')
      throw new ProtocolError(
        'MALFORMED',
        'EnvelopeCipher.decrypt: group payloads go to the group cipher',
      );
    const certificate = payload.certificate;
    const sender = { accountId: certificate.accountId, deviceId: certificate.deviceId };
    return this.queue.run(queueKey(sender), async () => {
      this.verifyCertificate(certificate);
      const observation = await this.observeSender(certificate, identity.account);
      const existing = await this.sessions.get(sender);
      let result: { record: SessionRecord; state: RatchetState; plaintext: Uint8Array };
      if (
        payload.kind === 'sessionStart' &&
        (existing === undefined ||
          findSessionByBaseKey(existing, sessionStartBaseKey(payload.body)) < 0)
      ) {
        // A session start we hold no session for: a new session, which becomes current while the
        // one it replaces is archived (a reply may still arrive on it). A start for a session we
        // do hold — retransmitted or duplicated — goes below and never builds a second one.
        let accepted;
        try {
          accepted = acceptSession(this.p, {
            account: identity.account,
            device: identity.device,
            prekeys: this.keys.lookup,
            start: payload.body,
          });
        } catch (error) {
          if (
            existing === undefined &&
            error instanceof ProtocolError &&
            error.code === 'MISSING_PREKEY'
          )
            throw new StaleSessionStartError(sender, error);
          throw error;
        }
        if (
          !equalBytes(accepted.initiator.identityKey, certificate.identityKey) ||
          !equalBytes(accepted.initiator.accountKey, certificate.accountKey)
        ) {
          throw new ProtocolError(
            'UNTRUSTED_IDENTITY',
            'EnvelopeCipher.decrypt: session start and certificate disagree',
          );
        }
        await this.keys.consume(accepted.consumed);
        result = { ...accepted, record: promoteSession(existing, accepted.state) };
      } else {
        if (existing === undefined)
          throw new ProtocolError(
            'UNKNOWN_SENDER',
            'EnvelopeCipher.decrypt: no session with this device',
          );
        result = sessionRecordDecrypt(this.p, existing, {
          kind: payload.kind === 'sessionStart' ? 'start' : 'message',
          bytes: payload.body,
        });
      }
      if (
        !equalBytes(result.state.remote.identityKey, certificate.identityKey) ||
        !equalBytes(result.state.remote.accountKey, certificate.accountKey)
      ) {
        throw new ProtocolError(
          'UNTRUSTED_IDENTITY',
          'EnvelopeCipher.decrypt: certificate does not match the session',
        );
      }
      await this.sessions.put(sender, result.record);
      return {
        sender,
        certificate,
        plaintext: result.plaintext,
        identityChanged: observation === 'changed' || observation === 'already-pending',
      };
    });
  }

  /** Whom a session with `accountId` is with: a sendable contact, or our own account. */
  private async remoteAccount(accountId: string, own: AccountIdentity): Promise<AccountPublic> {
    if (accountId === own.accountId) return accountPublic(own);
    const contact = await this.contacts.get(accountId);
    if (contact === undefined || !canSendTo(contact)) {
      throw new ProtocolError(
        'UNTRUSTED_IDENTITY',
        'EnvelopeCipher.encrypt: contact unknown, blocked or changed key not acknowledged',
      );
    }
    return { accountId: contact.accountId, accountKey: contact.accountKey };
  }

  /**
   * A contact's key is observed (pinned on first use, a change recorded). Our own account is never
   * a contact: a certificate naming it must carry our own account key, or it is an impostor.
   */
  private async observeSender(
    certificate: DeviceCertificate,
    own: AccountIdentity,
  ): Promise<IdentityObservation | 'new'> {
    if (certificate.accountId !== own.accountId) {
      return (await this.contacts.observe(certificate.accountId, certificate.accountKey))
        .observation;
    }
    if (!equalBytes(certificate.accountKey, own.accountKey)) {
      throw new ProtocolError(
        'UNTRUSTED_IDENTITY',
        'EnvelopeCipher.decrypt: a certificate names our account with another key',
      );
    }
    return 'same';
  }

  private verifyCertificate(certificate: DeviceCertificate): void {
    const key = toBase64Url(encodeDeviceCertificate(certificate));
    if (this.verified.has(key)) return;
    verifyDeviceCertificate(this.p, {
      certificate,
      expected: { accountId: certificate.accountId, accountKey: certificate.accountKey },
    });
    if (this.verified.size >= CERTIFICATE_CACHE_LIMIT) this.verified.clear();
    this.verified.add(key);
  }
}

/**
 * A session start from a device we hold no session with, built on a one-time prekey already used
 * up: a relay served that prekey twice (or replays an old start). It cannot be opened, and the
 * sender will keep building on it until it hears from us — so the caller answers on a fresh
 * session of its own, which the sender adopts (see Messenger.receive).
 */
export class StaleSessionStartError extends ProtocolError {
  constructor(
    readonly sender: DeviceAddress,
    cause: ProtocolError,
  ) {
    super('MISSING_PREKEY', 'EnvelopeCipher.decrypt: session start on a used-up prekey', { cause });
  }
}

function queueKey(address: DeviceAddress): string {
  return `${address.accountId}\u0000${address.deviceId}`;
}
