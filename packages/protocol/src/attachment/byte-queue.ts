// A first-in, first-out queue of bytes for the streaming codecs (attachments, vault export). Callers
// push pieces of any size and take exact-length slices back, so chunk framing never depends on how a
// network or file reader happened to split the input, and nothing is re-copied more than once.

import { fail } from '../errors';

export class ByteQueue {
  private readonly pieces: Uint8Array[] = [];
  /** Offset already consumed inside pieces[0]. */
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  /** Copies the piece, so the caller may reuse its buffer (stream readers often do). */
  push(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.pieces.push(piece.slice());
    this.size += piece.length;
  }

  /**
   * Queues the piece without copying: only for a caller that consumes or drops the queue before it
   * returns, so the piece cannot change underneath it.
   */
  pushView(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.pieces.push(piece);
    this.size += piece.length;
  }

  /** Removes and returns the next `length` bytes; INVALID_ARGUMENT if fewer are queued. */
  take(length: number): Uint8Array {
    if (!Number.isInteger(length) || length < 0 || length > this.size) {
      fail('INVALID_ARGUMENT', 'ByteQueue.take: not enough bytes queued');
    }
    const first = this.pieces[0];
    if (first !== undefined && first.length - this.head >= length) {
      const out = first.subarray(this.head, this.head + length);
      this.advance(length);
      return out;
    }
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const piece = this.pieces[0]!;
      const count = Math.min(piece.length - this.head, length - filled);
      out.set(piece.subarray(this.head, this.head + count), filled);
      filled += count;
      this.advance(count);
    }
    return out;
  }

  private advance(count: number): void {
    this.head += count;
    this.size -= count;
    if (this.pieces[0] !== undefined && this.head === this.pieces[0].length) {
      this.pieces.shift();
      this.head = 0;
    }
  }
}
