// The socket's limits and close codes: plain constants, apart from the frame schemas (socket.ts) so
// that the PWA, which reads close codes but validates no frames, does not bundle TypeBox.

export const SOCKET_LIMITS = {
  /** Largest frame a client may send; its frames are small JSON. */
  maxClientFrameBytes: 4 * 1024,
  /** Sustained client frames per second, and the burst above it. */
  framesPerSecond: 20,
  frameBurst: 60,
  /** Heartbeat: the relay pings this often and closes a socket that missed a pong. */
  heartbeatMs: 30_000,
} as const;

/** Close codes (4000–4999 are the application's own). */
export const SOCKET_CLOSE = {
  /** Normal: the relay is shutting down; reconnect later. */
  goingAway: 1001,
  /** A binary frame: only JSON text frames are spoken. */
  unsupportedData: 1003,
  /** A frame over maxClientFrameBytes (sent by the ws library itself). */
  tooBig: 1009,
  /** The session ended (signed out, revoked, account deleted). Do not reconnect: sign in. */
  sessionEnded: 4001,
  /** This device was removed from the account's device list. */
  deviceRemoved: 4003,
  /** A frame that is not valid JSON or does not match the schema. */
  malformed: 4400,
  /** Too many frames; reconnect after a pause. */
  rateLimited: 4429,
  /** The client does not read fast enough; reconnect and resume. */
  slowConsumer: 4408,
  /** Another socket of the same device took over the mailbox. */
  replaced: 4409,
} as const;
