// Parses the binary encodings written by ByteWriter. Every read is bounds-checked: running past the
// end is TRUNCATED, a length over the caller's limit is TOO_LARGE, leftover bytes are MALFORMED.

import { fail } from '../errors';
import { fromUtf8 } from './bytes';

export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(
    private readonly data: Uint8Array,
    /** Names the structure being read, for error messages. */
    private readonly context: string,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  private need(length: number): void {
    if (this.offset + length > this.data.length)
      fail('TRUNCATED', `${this.context}: input is truncated`);
  }

  u8(): number {
    this.need(1);
    return this.data[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  u64(): number {
    this.need(8);
    const value = this.view.getBigUint64(this.offset);
    this.offset += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      fail('MALFORMED', `${this.context}: integer too large`);
    return Number(value);
  }

  /** A copy, so that callers may keep it after the input buffer is reused. */
  fixed(length: number): Uint8Array {
    this.need(length);
    const out = this.data.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  bytes(maxLength: number): Uint8Array {
    const length = this.u32();
    if (length > maxLength)
      fail('TOO_LARGE', `${this.context}: field longer than ${maxLength} bytes`);
    return this.fixed(length);
  }

  string(maxBytes: number): string {
    const length = this.u16();
    if (length > maxBytes) fail('TOO_LARGE', `${this.context}: text longer than ${maxBytes} bytes`);
    return fromUtf8(this.fixed(length), this.context);
  }

  rest(): Uint8Array {
    return this.fixed(this.remaining);
  }

  /**
   * The remaining bytes as a view into the input, without copying: for ciphertexts that are
   * consumed at once (the AEAD copies them into WebAssembly memory anyway).
   */
  restView(): Uint8Array {
    const view = this.data.subarray(this.offset);
    this.offset = this.data.length;
    return view;
  }

  /** Reads a version byte and refuses anything but `expected`. */
  version(expected: number): void {
    const version = this.u8();
    if (version !== expected)
      fail('UNKNOWN_VERSION', `${this.context}: unknown version ${version}`);
  }

  end(): void {
    if (this.remaining !== 0)
      fail('MALFORMED', `${this.context}: ${this.remaining} trailing bytes`);
  }
}
