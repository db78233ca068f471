import { expect, test } from 'vitest';
import { loadPrimitives } from './load';
test('smoke', async () => {
  const p = await loadPrimitives();
  const a = p.x25519KeyPair();
  const b = p.x25519KeyPair();
  expect(p.x25519(a.secretKey, b.publicKey)).toEqual(p.x25519(b.secretKey, a.publicKey));
  const k = p.mlkemKeyPair();
  const e = p.mlkemEncapsulate(k.publicKey);
  expect(p.mlkemDecapsulate(k.secretKey, e.ciphertext)).toEqual(e.sharedSecret);
  expect(
    p.hkdf({
      ikm: new Uint8Array(22).fill(11),
      salt: Uint8Array.from({ length: 13 }, (_, i) => i),
      info: Uint8Array.from({ length: 10 }, (_, i) => 0xf0 + i),
      length: 42,
    }).length,
  ).toBe(42);
});
