// One group message on its way: the sender-key message is encrypted once, sealed for every member
// device we know (a key record each, at most 1000 devices per body) and queued in the outbox. Until
// the relay takes it, the message is remembered here, so that when the relay's reply names a
// member's device list newer than ours (a device they added a moment ago) that device gets the
// same sender-key message sealed for it alone. The 1:1 counterpart is Messenger.followLists; a
// list is accepted only when signed by the member's pinned account key (DeviceListSync.heard), so
// a relay naming a higher counter adds no device.
import {
  sealForMany,
  type DeviceCertificate,
  type Primitives,
  type X25519PublicKey,
} from '@veil/protocol';
import type { DeviceListSync } from '../devices/device-list-sync';
import type { Outbox, OutboxEvent, OutboxRecipient } from '../messaging/outbox';

/** The relay takes at most this many recipient devices per body; larger fan-outs are split. */
const RECIPIENTS_PER_ENVELOPE = 1000;

/** One device a group message is sealed for. */
export interface GroupTarget {
  readonly username: string;
  readonly deviceId: number;
  readonly identityKey: X25519PublicKey;
}

export interface SealedGroupEnvelope {
  readonly body: Uint8Array;
  readonly recipients: OutboxRecipient[];
}

/** `message` (a sender-key message) sealed for every target, in bodies of at most 1000 devices. */
export function sealGroupMessage(
  p: Primitives,
  certificate: DeviceCertificate,
  message: Uint8Array,
  targets: readonly GroupTarget[],
): SealedGroupEnvelope[] {
  const envelopes: SealedGroupEnvelope[] = [];
  for (let i = 0; i < targets.length; i += RECIPIENTS_PER_ENVELOPE) {
    const chunk = targets.slice(i, i + RECIPIENTS_PER_ENVELOPE);
    const sealed = sealForMany(p, {
      recipients: chunk.map((t) => t.identityKey),
      payload: { kind: 'group', certificate, body: message },
    });
    envelopes.push({
      body: sealed.body,
      recipients: chunk.map((t, index) => ({
        username: t.username,
        deviceId: t.deviceId,
        keyRecord: sealed.keyRecords[index]!,
      })),
    });
  }
  return envelopes;
}

export interface GroupFanOutDeps {
  readonly p: Primitives;
  readonly outbox: Outbox;
  readonly devices: DeviceListSync;
  /** The devices a group message to `username` goes to by the lists held now (no fetch). */
  readonly listed: (username: string) => Promise<GroupTarget[]>;
}

/** A send the relay has not taken yet, shared by the outbox entries it was split into. */
interface PendingSend {
  readonly certificate: DeviceCertificate;
  readonly message: Uint8Array;
  readonly messageId: string | undefined;
  /** Device ids sent to, by account: only accounts the send reached are followed. */
  readonly covered: Map<string, Set<number>>;
}

export class GroupFanOuts {
  /** By outbox client id; dropped when the relay took the entry or refused it. */
  private readonly pending = new Map<string, PendingSend>();

  constructor(private readonly deps: GroupFanOutDeps) {}

  /** Queues `message` for every target, remembered until the relay takes it. */
  async send(options: {
    certificate: DeviceCertificate;
    message: Uint8Array;
    targets: readonly GroupTarget[];
    messageId?: string;
  }): Promise<void> {
    const { certificate, message, targets, messageId } = options;
    if (targets.length === 0) return;
    const covered = new Map<string, Set<number>>();
    for (const t of targets) {
      const ids = covered.get(t.username) ?? new Set<number>();
      ids.add(t.deviceId);
      covered.set(t.username, ids);
    }
    const send: PendingSend = { certificate, message, messageId, covered };
    await this.enqueue(send, targets);
  }

  /**
   * The outbox's verdict on one entry. When the relay took it and named device-list counters,
   * every list that moved on is fetched and verified, and each device it adds that the send did
   * not cover gets the message too (with the same messageId, so it is marked sent again, no more).
   */
  async onOutboxEvent(event: OutboxEvent): Promise<void> {
    const send = this.pending.get(event.entry.clientId);
    if (send === undefined) return;
    this.pending.delete(event.entry.clientId);
    if (event.type !== 'sent' || event.lists === undefined) return;
    const added: GroupTarget[] = [];
    for (const { username, counter } of event.lists) {
      const covered = send.covered.get(username);
      if (covered === undefined) continue;
      // Not skipped when `heard` says nothing changed: Messenger.followLists hears the same reply
      // and may have fetched the list first. What counts is what this send covered.
      await this.deps.devices.heard(username, counter);
      for (const target of await this.deps.listed(username)) {
        // Checked and added without an await between, so replies to the send's other entries
        // add nothing twice.
        if (covered.has(target.deviceId)) continue;
        covered.add(target.deviceId);
        added.push(target);
      }
    }
    if (added.length > 0) await this.enqueue(send, added);
  }

  private async enqueue(send: PendingSend, targets: readonly GroupTarget[]): Promise<void> {
    for (const envelope of sealGroupMessage(this.deps.p, send.certificate, send.message, targets)) {
      const clientId = await this.deps.outbox.enqueue({
        ...envelope,
        ...(send.messageId === undefined ? {} : { messageId: send.messageId }),
      });
      this.pending.set(clientId, send);
    }
    // Failures stay queued in the outbox; the next flush (socket open, `online`) retries them.
    this.deps.outbox.flush().catch(() => undefined);
  }
}
