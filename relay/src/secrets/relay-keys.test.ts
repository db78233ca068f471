import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_FILE, loadRelayKeys } from './relay-keys';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veil-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('relay key file', () => {
  it('is created on first start with mode 0600 and read back unchanged', async () => {
    const first = await loadRelayKeys(dir);
    expect((await stat(join(dir, KEY_FILE))).mode & 0o777).toBe(0o600);
    const second = await loadRelayKeys(dir);
    expect(second.opaqueServerSetup).toBe(first.opaqueServerSetup);
    const sealed = first.seal(Buffer.from('totp seed'), 'totp:1');
    expect(Buffer.from(second.open(sealed, 'totp:1')).toString()).toBe('totp seed');
  });

  it('binds sealed values to their context and refuses tampering', async () => {
    const keys = await loadRelayKeys(dir);
    const sealed = keys.seal(Buffer.from('secret'), 'totp:1');
    expect(Buffer.from(sealed).includes(Buffer.from('secret'))).toBe(false);
    expect(() => keys.open(sealed, 'totp:2')).toThrow();
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 20]! ^= 1;
    expect(() => keys.open(flipped, 'totp:1')).toThrow();
    expect(() => keys.open(sealed.subarray(0, 10), 'totp:1')).toThrow(/malformed/);
  });
});
