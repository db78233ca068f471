// Asserts that a call fails with a ProtocolError of one code, and hands the error back so a test
// can check more (the message naming the function, for instance).

import { expect } from 'vitest';
import { isProtocolError, type ProtocolError, type ProtocolErrorCode } from '../errors';

export function expectProtocolError(call: () => unknown, code: ProtocolErrorCode): ProtocolError {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected a ProtocolError ${code}`).toBeDefined();
  expect(isProtocolError(thrown) ? thrown.code : thrown).toBe(code);
  return thrown as ProtocolError;
}
