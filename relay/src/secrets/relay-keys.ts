// The relay's own secrets, kept in one key file beside (not inside) the database: a 256-bit key
// that seals TOTP seeds and OPAQUE login state at rest, and the OPAQUE server setup. A thief with
// only the database learns neither. Created on first start with mode 0600.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as opaque from '@serenity-kit/opaque';

export const KEY_FILE = 'relay.key';

const SEAL_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface RelayKeys {
  /** Encrypts `plaintext` (ChaCha20-Poly1305) bound to `context`, e.g. "totp:<account id>". */
  seal(plaintext: Uint8Array, context: string): Uint8Array;
  /** Reverses seal; throws when the bytes or the context do not match. */
  open(sealed: Uint8Array, context: string): Uint8Array;
  /** HMAC-SHA256 under a key derived from the seal key, bound to `context` (stateless challenges). */
  mac(data: Uint8Array, context: string): Uint8Array;
  readonly opaqueServerSetup: string;
}

interface KeyFile {
  readonly version: 1;
  readonly sealKey: string;
  readonly opaqueServerSetup: string;
}

function isKeyFile(value: unknown): value is KeyFile {
  if (typeof value !== 'object' || value === null) return false;
  const file = value as Record<string, unknown>;
  return (
    file['version'] === 1 &&
    typeof file['sealKey'] === 'string' &&
    typeof file['opaqueServerSetup'] === 'string'
  );
}

async function readOrCreate(path: string): Promise<KeyFile> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (!isKeyFile(parsed)) throw new Error(`${path} is not a Veil relay key file`);
    return parsed;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await opaque.ready;
  const created: KeyFile = {
    version: 1,
    sealKey: randomBytes(32).toString('base64'),
    opaqueServerSetup: opaque.server.createSetup(),
  };
  // 'wx' fails if another process created the file meanwhile, instead of overwriting its keys.
  await writeFile(path, `${JSON.stringify(created)}\n`, { mode: 0o600, flag: 'wx' });
  return created;
}

export async function loadRelayKeys(dataDir: string): Promise<RelayKeys> {
  const file = await readOrCreate(join(dataDir, KEY_FILE));
  await opaque.ready;
  const key = Buffer.from(file.sealKey, 'base64');
  if (key.length !== 32) throw new Error('relay key file: sealKey must be 32 bytes');
  const aad = (context: string): Buffer => Buffer.from(`veil-relay-seal-v1:${context}`);
  // A separate key for MACs, so no value is ever both sealed and MACed under one key.
  const macKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'veil-relay-mac-v1', 32));
  return {
    opaqueServerSetup: file.opaqueServerSetup,
    seal(plaintext, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(context), { plaintextLength: plaintext.length });
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([Buffer.of(SEAL_VERSION), nonce, body, cipher.getAuthTag()]);
    },
    mac(data, context) {
      return createHmac('sha256', macKey).update(`${context}\0`).update(data).digest();
    },
    open(sealed, context) {
      if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== SEAL_VERSION) {
        throw new Error('relay key: sealed value is malformed');
      }
      const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const decipher = createDecipheriv('chacha20-poly1305', key, nonce, {
        authTagLength: TAG_BYTES,
      });
      const body = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
      decipher.setAAD(aad(context), { plaintextLength: body.length });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    },
  };
}
