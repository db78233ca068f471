// The live mailbox: one WebSocket to the relay, reopened with jittered backoff after every drop,
// resuming after the last envelope this device finished with. Envelopes are handed to `onEnvelope`
// one at a time, in sequence order; only after it resolves is the cursor saved and the envelope
// acknowledged, so a crash in between means a redelivery (which the ratchet refuses as a duplicate),
// never a loss. Close codes that mean "stop" (session ended, device removed, replaced by another
// tab) end the loop instead of reconnecting.
import {
  SOCKET_CLOSE,
  type EnvelopeFrame,
  type PrekeyCount,
  type ReadyFrame,
  type RelayFrame,
} from '@veil/wire';
import { ReconnectBackoff } from '../reconnect-backoff';

/** The subset of the WHATWG WebSocket both browsers and the `ws` package offer. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { code: number; reason: string }) => void,
  ): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}

export type SocketState =
  | 'connecting'
  | 'open'
  | 'offline'
  /** The relay ended the session: sign in again. */
  | 'signed-out'
  /** The account removed this device. */
  | 'device-removed'
  /** Another tab or window of this device holds the mailbox. */
  | 'replaced'
  | 'stopped';

export interface SequenceCursor {
  /** The last sequence this device finished with (0 for none). */
  get(): Promise<number>;
  set(seq: number): Promise<void>;
}

export interface RelaySocketOptions {
  /** `wss://host/api/v1/socket`. */
  readonly url: string;
  readonly open: (url: string) => WebSocketLike;
  readonly cursor: SequenceCursor;
  readonly onEnvelope: (frame: EnvelopeFrame) => Promise<void>;
  readonly onReady?: (frame: ReadyFrame) => void;
  readonly onPrekeysLow?: (count: PrekeyCount) => void;
  /** The account's signed device list moved on to `counter` (VeilDevice.ownDeviceListChanged). */
  readonly onDeviceList?: (counter: number) => void;
  readonly onState?: (state: SocketState) => void;
  readonly backoff?: ReconnectBackoff;
  readonly setTimer?: (run: () => void, ms: number) => unknown;
}

const STOPPING_CODES = new Map<number, SocketState>([
  [SOCKET_CLOSE.sessionEnded, 'signed-out'],
  [SOCKET_CLOSE.deviceRemoved, 'device-removed'],
  [SOCKET_CLOSE.replaced, 'replaced'],
]);

const ACK_EVERY = 50;

export class RelaySocket {
  private socket: WebSocketLike | null = null;
  private current: SocketState = 'offline';
  private running = false;
  /** Frames are processed strictly one after another. */
  private queue: Promise<void> = Promise.resolve();
  /** Frames received and not yet processed, and the highest processed sequence not yet acked. */
  private queued = 0;
  private unacked: number | null = null;
  private readonly backoff: ReconnectBackoff;
  private readonly setTimer: (run: () => void, ms: number) => unknown;

  constructor(private readonly options: RelaySocketOptions) {
    this.backoff = options.backoff ?? new ReconnectBackoff();
    this.setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
  }

  get state(): SocketState {
    return this.current;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** Closes the socket and stops reconnecting. */
  stop(): void {
    this.running = false;
    this.setState('stopped');
    this.socket?.close(1000, 'client stopped');
    this.socket = null;
  }

  /** Reconnects now (e.g. on the browser's `online` event), skipping the current backoff wait. */
  reconnectNow(): void {
    if (!this.running || this.socket !== null) return;
    this.connect();
  }

  private setState(state: SocketState): void {
    if (this.current === state) return;
    this.current = state;
    this.options.onState?.(state);
  }

  private connect(): void {
    if (!this.running) return;
    this.setState('connecting');
    const socket = this.options.open(this.options.url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.queue = this.queue.then(async () => {
        const after = await this.options.cursor.get();
        if (this.socket === socket) socket.send(JSON.stringify({ type: 'hello', after }));
      });
    });
    socket.addEventListener('message', (event) => {
      let frame: RelayFrame;
      try {
        frame = JSON.parse(String(event.data)) as RelayFrame;
      } catch {
        socket.close(4400, 'relay sent a frame that is not JSON');
        return;
      }
      this.queued++;
      this.queue = this.queue
        .then(() => this.handle(socket, frame))
        .catch(() => {
          // A handler failure leaves the envelope unacknowledged; reconnecting redelivers it.
          socket.close(4000, 'client failed to process a frame');
        })
        .finally(() => {
          this.queued--;
        });
    });
    socket.addEventListener('error', () => {
      // 'close' follows; that is where reconnecting is decided.
    });
    socket.addEventListener('close', (event) => {
      if (this.socket === socket) this.socket = null;
      const stopping = STOPPING_CODES.get(event.code);
      if (stopping !== undefined) {
        this.running = false;
        this.setState(stopping);
        return;
      }
      if (!this.running) return;
      this.setState('offline');
      const delay = this.backoff.nextDelayMs();
      this.setTimer(() => {
        if (this.running && this.socket === null) this.connect();
      }, delay);
    });
  }

  private sendAck(socket: WebSocketLike): void {
    if (this.unacked === null || this.socket !== socket) return;
    socket.send(JSON.stringify({ type: 'ack', upTo: this.unacked }));
    this.unacked = null;
  }

  private async handle(socket: WebSocketLike, frame: RelayFrame): Promise<void> {
    switch (frame.type) {
      case 'ready':
        this.backoff.reset();
        this.setState('open');
        this.options.onReady?.(frame);
        return;
      case 'envelope':
        await this.options.onEnvelope(frame);
        await this.options.cursor.set(frame.seq);
        this.unacked = frame.seq;
        // Acks are cumulative: one per burst (when nothing else waits) or per ACK_EVERY envelopes,
        // which keeps a client far below the relay's frame budget however fast envelopes arrive.
        if (this.queued <= 1 || frame.seq % ACK_EVERY === 0) this.sendAck(socket);
        return;
      case 'prekeys-low':
        this.options.onPrekeysLow?.(frame.prekeys);
        return;
      case 'device-list':
        this.options.onDeviceList?.(frame.counter);
        return;
      case 'pong':
      case 'error':
        return;
    }
  }
}
