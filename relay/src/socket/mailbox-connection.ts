// One device's live socket. After `hello {after}` the relay sends `ready` and then every envelope
// above `after`, in order, and keeps pushing as the notifier announces commits. Memory is bounded
// twice: at most MAX_UNACKED envelopes sent and not yet acknowledged, and nothing more is written
// while the socket's send buffer is above HIGH_WATER_BYTES; a client that stays above it for
// SLOW_CONSUMER_MS is closed and resumes from its last ack. Envelopes stay in the database until
// acknowledged, so closing a socket never loses one. Envelopes just committed are sent from the
// commit's own event when the socket is caught up (no read back); acks open the window at once
// and reach the database within ackFlushMs, batched with every other socket's.
import {
  ClientFrameSchema,
  SOCKET_CLOSE,
  SOCKET_LIMITS,
  type ClientFrame,
  type MailboxEnvelope,
  type RelayFrame,
} from '@veil/wire';
import type { FastifyBaseLogger } from 'fastify';
import { Compile } from 'typebox/compile';
import type { WebSocket } from 'ws';

/** The part of a ws socket a connection uses (whichever copy of the ws types the caller has). */
export type LiveSocket = Pick<
  WebSocket,
  'send' | 'close' | 'terminate' | 'ping' | 'on' | 'bufferedAmount'
>;
import type { DeviceAddress } from '../keys/prekey-store';
import type { KeyDirectory } from '../keys/key-directory';
import type { MailboxService } from '../mailbox/mailbox-service';
import type { MailboxEvent, Notifier } from '../plugins/app/notifier';
import { AckFlusher, type AckHolder } from './ack-flush';
import { envelopeFrame } from './envelope-frame';
import { FrameBudget } from './frame-budget';
import type { Beating, Heartbeat } from './heartbeat';
import type { Corkable, TurnCork } from './turn-cork';

const checkFrame = Compile(ClientFrameSchema);

export const SOCKET_BOUNDS = {
  maxUnacked: 500,
  highWaterBytes: 1024 * 1024,
  slowConsumerMs: 30_000,
  pageSize: 50,
  retryMs: 25,
  /** How long an ack waits in memory before it deletes (it joins the other acks of that moment). */
  ackFlushMs: 250,
} as const;

/**
 * What every connection of the relay shares: one object for all of them (socket-route.ts), since
 * an idle socket's memory is per-connection objects and closures (bench: transport).
 */
export interface ConnectionDeps {
  readonly mailbox: MailboxService;
  readonly keys: KeyDirectory;
  readonly notifier: Notifier;
  /**
   * Shared by every socket of the relay, so a wave of acks is one commit (ack-flush.ts); without
   * one, the connection flushes its acks on its own timer.
   */
  readonly acks?: AckFlusher;
  /** The relay's one heartbeat timer (heartbeat.ts). */
  readonly heartbeat: Heartbeat;
  readonly onReady: (connection: MailboxConnection) => void;
  readonly onClose: (connection: MailboxConnection) => void;
  /** Called for every envelope frame written to the socket (metrics). */
  readonly onPushed?: () => void;
  /** The relay's TurnCork (turn-cork.ts), for connections given their TCP socket. */
  readonly turn?: TurnCork;
}

/** What is this connection's own. */
export interface ConnectionOwn {
  readonly device: DeviceAddress;
  /** The session that opened the socket: ending the session closes it (socket-hub.ts). */
  readonly sessionId: number;
  readonly log: FastifyBaseLogger;
  /**
   * The TCP socket under the WebSocket: with the deps' TurnCork, a turn's envelope frames to this
   * device reach the kernel in one write.
   */
  readonly stream?: Corkable;
}

export class MailboxConnection implements AckHolder, Beating {
  private ready = false;
  private state: 'open' | 'closed' = 'open';
  private lastSent = 0;
  private lastAcked = 0;
  /** What the database knows was acknowledged; lastAcked runs ahead of it by up to ackFlushMs. */
  private ackedInStore = 0;
  /** The highest sequence known to be in the mailbox (from hello's head, then every event). */
  private head = 0;
  private pumping = false;
  private pumpAgain = false;
  private slowSince: number | null = null;
  private alive = true;
  private unsubscribe: (() => void) | null = null;
  private readonly budget = new FrameBudget(
    SOCKET_LIMITS.framesPerSecond,
    SOCKET_LIMITS.frameBurst,
  );
  readonly device: DeviceAddress;
  readonly sessionId: number;
  private readonly log: FastifyBaseLogger;
  private readonly stream: Corkable | undefined;
  private retry: NodeJS.Timeout | null = null;
  private readonly acks: AckFlusher;
  /** Serialises frame handling, so an ack never overtakes the hello before it. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: LiveSocket,
    own: ConnectionOwn,
    private readonly deps: ConnectionDeps,
  ) {
    this.device = own.device;
    this.sessionId = own.sessionId;
    this.log = own.log;
    this.stream = own.stream;
    this.acks = deps.acks ?? new AckFlusher(SOCKET_BOUNDS.ackFlushMs);
    socket.on('message', (data, isBinary) => {
      this.onMessage(data, isBinary);
    });
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', () => {
      this.cleanUp();
    });
    socket.on('error', (err) => {
      // A client's bad frame or a broken connection. ws has already written its close code; the
      // socket ends a turn later, once this turn's corked writes (that close frame among them)
      // have gone out, rather than after ws's 30 s closing handshake a bad client may never do.
      this.log.debug({ err }, 'socket error');
      setImmediate(() => {
        socket.terminate();
      });
    });
    deps.heartbeat.add(this);
  }

  /** From the heartbeat: a ping, or the end of a socket that did not answer the last one. */
  beat(): void {
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  /** A method, not a field read: the socket can close while any await is pending. */
  isClosed(): boolean {
    return this.state === 'closed';
  }

  close(code: number, reason: string): void {
    if (this.isClosed()) return;
    this.cleanUp();
    this.socket.close(code, reason);
  }

  private cleanUp(): void {
    if (this.isClosed()) return;
    this.state = 'closed';
    this.deps.heartbeat.remove(this);
    if (this.retry !== null) clearTimeout(this.retry);
    this.acks.cancel(this);
    this.flushAcks();
    this.unsubscribe?.();
    // "Last seen" is when the device was last connected: its hello and, here, its leaving.
    if (this.ready) this.markSeen();
    this.deps.onClose(this);
  }

  private markSeen(): void {
    this.deps.keys.seen(this.device).catch((err: unknown) => {
      // Most likely the relay closing its database as it shuts down: nothing to act on, and a
      // missed "last seen" is only a coarser one.
      this.log.debug({ err }, 'last-seen update failed');
    });
  }

  private send(frame: RelayFrame): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** A text frame from ready-made UTF-8 bytes (envelope-frame.ts): ws writes them as they are. */
  private sendEnvelope(envelope: MailboxEnvelope): void {
    if (this.stream !== undefined) this.deps.turn?.hold(this.stream);
    this.socket.send(envelopeFrame(envelope), { binary: false });
  }

  private onMessage(data: unknown, isBinary: boolean): void {
    if (this.isClosed()) return;
    if (isBinary) {
      this.close(SOCKET_CLOSE.unsupportedData, 'only JSON text frames');
      return;
    }
    if (!this.budget.take()) {
      this.close(SOCKET_CLOSE.rateLimited, 'too many frames');
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch {
      this.close(SOCKET_CLOSE.malformed, 'frame is not JSON');
      return;
    }
    if (!checkFrame.Check(frame)) {
      this.close(SOCKET_CLOSE.malformed, 'frame does not match the schema');
      return;
    }
    this.queue = this.queue
      .then(() => this.handle(frame))
      .catch((err: unknown) => {
        this.log.error({ err }, 'socket frame failed');
        this.close(1011, 'internal error');
      });
  }

  private async handle(frame: ClientFrame): Promise<void> {
    if (this.isClosed()) return;
    switch (frame.type) {
      case 'hello': {
        if (this.ready) {
          this.close(SOCKET_CLOSE.malformed, 'hello was already said');
          return;
        }
        // Whatever the client says it has is acknowledged: resume strictly after it.
        await this.deps.mailbox.ack(this.device, frame.after);
        this.lastSent = frame.after;
        this.lastAcked = frame.after;
        this.ackedInStore = frame.after;
        const head = await this.deps.mailbox.head(this.device);
        const prekeys = await this.deps.keys.counts(this.device);
        // Not awaited: "last seen" is a write of its own (an fsync), and `ready` need not wait
        // for it — a reconnect storm would otherwise queue one per socket on the connect path.
        this.markSeen();
        if (this.isClosed()) return;
        this.head = Math.max(this.head, head);
        this.ready = true;
        this.unsubscribe = this.deps.notifier.subscribe(this.device, (event) => {
          this.onEvent(event);
        });
        this.deps.onReady(this);
        this.send({ type: 'ready', head, prekeys });
        this.pump();
        return;
      }
      case 'ack': {
        if (!this.ready) {
          this.close(SOCKET_CLOSE.malformed, 'say hello first');
          return;
        }
        // An ack beyond what was sent cannot be honest; it is clamped, never trusted further.
        const upTo = Math.min(frame.upTo, this.lastSent);
        if (upTo <= this.lastAcked) return;
        // The window opens now; the delete follows within ackFlushMs, together with the acks of
        // every other socket in that moment (ack-flush.ts: one transaction). An ack lost to a
        // crash in between only means a redelivery, which clients recognise and drop.
        this.lastAcked = upTo;
        this.acks.schedule(this);
        // Only a window that was full leaves anything behind; otherwise an ack costs no read.
        if (this.head > this.lastSent) this.pump();
        return;
      }
      case 'ping':
        this.send(
          frame.nonce === undefined ? { type: 'pong' } : { type: 'pong', nonce: frame.nonce },
        );
        return;
    }
  }

  /** Hands what was acknowledged since the last flush to the mailbox (AckFlusher calls it). */
  flushAcks(): void {
    const upTo = this.lastAcked;
    const before = this.ackedInStore;
    if (upTo <= before) return;
    this.ackedInStore = upTo;
    this.deps.mailbox.ack(this.device, upTo).catch((err: unknown) => {
      // Left for the next ack, the next hello or the TTL sweep: nothing is lost, at worst resent.
      if (this.ackedInStore === upTo) this.ackedInStore = before;
      this.log.error({ err }, 'socket ack failed');
    });
  }

  private onEvent(event: MailboxEvent): void {
    if (this.isClosed()) return;
    if (event.kind === 'envelopes') {
      this.head = Math.max(this.head, event.highestSeq);
      if (event.highestSeq <= this.lastSent) return;
      if (event.envelopes === undefined || !this.sendFresh(event.envelopes)) this.pump();
      return;
    }
    if (event.kind === 'device-list') {
      this.send({ type: 'device-list', counter: event.counter });
      return;
    }
    this.deps.keys
      .counts(this.device)
      .then((prekeys) => {
        if (!this.isClosed()) this.send({ type: 'prekeys-low', prekeys });
      })
      .catch((err: unknown) => {
        this.log.error({ err }, 'prekey count failed');
      });
  }

  /**
   * The live path: envelopes just committed, sent as they are when they follow on from what was
   * sent and fit the bounds; otherwise (a read in flight, a gap, a full window, a slow reader)
   * false, and the pump reads them from the database in order.
   */
  private sendFresh(envelopes: readonly MailboxEnvelope[]): boolean {
    if (this.pumping || envelopes[0]?.seq !== this.lastSent + 1) return false;
    const room = SOCKET_BOUNDS.maxUnacked - (this.lastSent - this.lastAcked);
    if (envelopes.length > room) return false;
    if (this.socket.bufferedAmount > SOCKET_BOUNDS.highWaterBytes) return false;
    for (const envelope of envelopes) {
      this.sendEnvelope(envelope);
      this.deps.onPushed?.();
      this.lastSent = envelope.seq;
    }
    return true;
  }

  /** Sends what is due; re-entrant calls fold into one more pass. */
  private pump(): void {
    if (this.isClosed() || !this.ready) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumpOnce()
      .catch((err: unknown) => {
        this.log.error({ err }, 'socket delivery failed');
        this.close(1011, 'internal error');
      })
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        }
      });
  }

  private async pumpOnce(): Promise<void> {
    for (;;) {
      if (this.isClosed()) return;
      const room = SOCKET_BOUNDS.maxUnacked - (this.lastSent - this.lastAcked);
      if (room <= 0) {
        // The window is full and more may wait: the next ack must pump again.
        this.head = Math.max(this.head, this.lastSent + 1);
        return;
      }
      if (this.socket.bufferedAmount > SOCKET_BOUNDS.highWaterBytes) {
        const now = Date.now();
        this.slowSince ??= now;
        if (now - this.slowSince > SOCKET_BOUNDS.slowConsumerMs) {
          this.close(SOCKET_CLOSE.slowConsumer, 'not reading fast enough');
          return;
        }
        this.retry = setTimeout(() => {
          this.retry = null;
          this.pump();
        }, SOCKET_BOUNDS.retryMs);
        return;
      }
      this.slowSince = null;
      const page = await this.deps.mailbox.read(
        this.device,
        this.lastSent,
        Math.min(room, SOCKET_BOUNDS.pageSize),
      );
      if (this.isClosed()) return;
      for (const envelope of page.envelopes) {
        this.sendEnvelope(envelope);
        this.deps.onPushed?.();
        this.lastSent = envelope.seq;
      }
      if (!page.more) return;
    }
  }
}
