// Builds the binary encodings described in docs/protocol.md: big-endian integers, fixed-size
// fields written as-is, variable fields prefixed with their length.

import { fail } from '../errors';
import { utf8 } from './bytes';

export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private offset = 0;

  constructor(initialSize = 256) {
    this.buffer = new Uint8Array(initialSize);
    this.view = new DataView(this.buffer.buffer);
  }

  private reserve(extra: number): void {
    if (this.offset + extra <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.offset + extra));
    next.set(this.buffer.subarray(0, this.offset));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xff)
      fail('INVALID_ARGUMENT', 'ByteWriter.u8: out of range');
    this.reserve(1);
    this.buffer[this.offset++] = value;
    return this;
  }

  u16(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff)
      fail('INVALID_ARGUMENT', 'ByteWriter.u16: out of range');
    this.reserve(2);
    this.view.setUint16(this.offset, value);
    this.offset += 2;
    return this;
  }

  u32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
      fail('INVALID_ARGUMENT', 'ByteWriter.u32: out of range');
    this.reserve(4);
    this.view.setUint32(this.offset, value);
    this.offset += 4;
    return this;
  }

  /** Unsigned 64-bit, limited to JavaScript's safe integers (2^53 - 1). */
  u64(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0)
      fail('INVALID_ARGUMENT', 'ByteWriter.u64: out of range');
    this.reserve(8);
    this.view.setBigUint64(this.offset, BigInt(value));
    this.offset += 8;
    return this;
  }

  /** Writes bytes whose length the format fixes (keys, nonces, signatures). */
  fixed(bytes: Uint8Array, length: number): this {
    if (bytes.length !== length)
      fail('INVALID_ARGUMENT', `ByteWriter.fixed: expected ${length} bytes`);
    this.reserve(length);
    this.buffer.set(bytes, this.offset);
    this.offset += length;
    return this;
  }

  /** Writes bytes with no length prefix; for a trailing field whose end is the structure's end. */
  rest(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }

  /** u32 length prefix, then the bytes. */
  bytes(bytes: Uint8Array): this {
    this.u32(bytes.length);
    return this.rest(bytes);
  }

  /** u16 length prefix, then UTF-8. */
  string(text: string): this {
    const encoded = utf8(text);
    this.u16(encoded.length);
    return this.rest(encoded);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.offset);
  }
}
