// Attachments against a real relay: a file round-trips intact to the contact (and arrives with its
// thumbnail in the message); a blob altered in the relay's data directory is refused before any
// byte is returned; a file over the relay's cap is refused with TOO_LARGE; a blob the relay has
// expired is UNAVAILABLE; an upload whose requests fail mid-way (no answer, a lost reply) retries
// and the result still decrypts to the original bytes.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPrimitives, type Primitives } from '@veil/protocol';
import { startRelay, type TestRelay } from '@veil/relay/src/test-support/start-relay';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RelayHttp } from '../relay/relay-http';
import { newTestDevice, until, type TestDevice } from '../test-support/test-device';
import { MemoryAttachmentCache } from './attachment-cache';
import { downloadAttachment } from './attachment-download';
import { AttachmentError } from './attachment-error';
import { sourceFromBlob, sourceFromBytes } from './attachment-source';
import { uploadAttachment } from './attachment-upload';
import { BlobApi } from './blob-api';

let p: Primitives;
let relay: TestRelay;
beforeAll(async () => {
  p = await loadPrimitives();
});
afterEach(async () => {
  await relay.stop();
});

/** Bytes with a pattern, so a misplaced chunk would not compare equal by accident. */
function fileBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 16)) & 0xff;
  return bytes;
}

/** Whether a Blob holds exactly `expected` (toEqual walks a MiB byte by byte, far too slowly). */
async function holds(blob: Blob, expected: Uint8Array): Promise<boolean> {
  return Buffer.from(await blob.arrayBuffer()).equals(expected);
}

async function aliceAndBob(): Promise<{ alice: TestDevice; bob: TestDevice }> {
  const alice = await newTestDevice(p, relay, 'alice');
  const bob = await newTestDevice(p, relay, 'bob');
  await alice.addContact('bob');
  await bob.addContact('alice');
  return { alice, bob };
}

/** A 10,000-byte file uploaded in `device`'s session through `fetch` (a relay failing somehow). */
function uploadThrough(device: TestDevice, fetch: typeof globalThis.fetch, attempts: number) {
  const http = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin, fetch });
  http.cookie = device.http.cookie;
  return uploadAttachment(
    { p, blobs: new BlobApi(http) },
    sourceFromBytes(fileBytes(10_000)),
    { contentType: 'text/plain', fileName: 'a.txt' },
    { retryDelayMs: 1, attempts },
  );
}

describe('attachments', () => {
  it('a file goes to the contact, thumbnail in the message, and opens byte for byte', async () => {
    relay = await startRelay();
    const { alice, bob } = await aliceAndBob();
    const sockets = [alice.connect(), bob.connect()];
    await until(() => sockets.every((s) => s.state === 'open'), 'online');
    // Over a MiB and not a multiple of any chunk size: several upload chunks and a short last one.
    const original = fileBytes(1024 * 1024 + 12_345);
    const thumbnail = fileBytes(2000);
    const progress: number[] = [];
    const sent = await alice.attachments.send(
      { peer: 'bob' },
      {
        // A browser File's stream path, exercised through Node's Blob.
        source: sourceFromBlob(new Blob([original])),
        meta: {
          contentType: 'image/png',
          fileName: 'photo.png',
          width: 640,
          height: 480,
          thumbnail,
        },
        caption: 'the view <b>from</b> here',
      },
      { onProgress: ({ done }) => progress.push(done) },
    );
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(sent.attachment!.ciphertextSize);

    let received: TestDevice['events'][number] | undefined;
    await until(() => {
      received = bob.events.find((e) => e.type === 'message');
      return received !== undefined;
    }, 'bob has the message');
    const message = received!.type === 'message' ? received.message : undefined;
    expect(message?.text).toBe('the view <b>from</b> here');
    expect(message?.attachment?.fileName).toBe('photo.png');
    expect(message?.attachment?.thumbnail).toEqual(thumbnail);
    expect([message?.attachment?.width, message?.attachment?.height]).toEqual([640, 480]);

    const opened = await bob.attachments.open(message!.attachment!);
    expect(opened.type).toBe('image/png');
    expect(await holds(opened, original)).toBe(true);
    // Stored in Bob's history, so the message (and its pointer) survive a reload.
    const history = await bob.messenger.history('alice', { limit: 10 });
    expect(history[0]?.value.attachment?.blobId).toBe(sent.attachment!.blobId);
    await until(async () => {
      const mine = await alice.messenger.history('bob', { limit: 10 });
      return mine[0]?.value.mark === 'delivered';
    }, 'alice has the delivery receipt');
    sockets.forEach((s) => s.stop());
  }, 60_000);

  it('refuses a blob whose bytes were altered on the relay', async () => {
    relay = await startRelay();
    const alice = await newTestDevice(p, relay, 'alice');
    const original = fileBytes(300_000);
    const pointer = await uploadAttachment(
      { p, blobs: alice.attachments.blobs },
      sourceFromBytes(original),
      {
        contentType: 'application/pdf',
        fileName: 'report.pdf',
      },
    );
    // Intact before (opened without a cache: the device would keep the good copy).
    const blobs = alice.attachments.blobs;
    expect(await holds(await downloadAttachment({ p, blobs }, pointer), original)).toBe(true);

    // One byte flipped in the last chunk, as a relay operator (or a disk fault) could.
    const file = await open(join(relay.dataDir, 'blobs', pointer.blobId), 'r+');
    const at = pointer.ciphertextSize - 5;
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x01;
    await file.write(byte, 0, 1, at);
    await file.close();

    await expect(alice.attachments.open(pointer)).rejects.toMatchObject({
      name: 'AttachmentError',
      code: 'TAMPERED',
    });
  }, 30_000);

  it('opens a viewed attachment offline from its cached ciphertext', async () => {
    relay = await startRelay();
    const alice = await newTestDevice(p, relay, 'alice');
    const original = fileBytes(200_000);
    const blobs = alice.attachments.blobs;
    const pointer = await uploadAttachment({ p, blobs }, sourceFromBytes(original), {
      contentType: 'image/jpeg',
      fileName: 'cat.jpg',
    });
    const cache = new MemoryAttachmentCache();
    expect(await holds(await downloadAttachment({ p, blobs, cache }, pointer), original)).toBe(
      true,
    );
    const kept = await cache.get(pointer.blobId);
    // What is kept is the relay's ciphertext, not the picture.
    expect(kept?.size).toBe(pointer.ciphertextSize);
    expect(
      Buffer.from(await kept!.arrayBuffer()).includes(Buffer.from(original.subarray(0, 64))),
    ).toBe(false);
    // The relay forgets it (as if offline or expired): the cached copy still opens.
    await relay.app.blobs.sweep(Date.now() + relay.config.blobTtlMs + 60_000);
    expect(await holds(await downloadAttachment({ p, blobs, cache }, pointer), original)).toBe(
      true,
    );
    // A damaged cache entry is not shown: it is dropped and the relay asked again (gone: UNAVAILABLE).
    await cache.put(pointer.blobId, new Blob([new Uint8Array(pointer.ciphertextSize)]));
    await expect(downloadAttachment({ p, blobs, cache }, pointer)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    expect(await cache.get(pointer.blobId)).toBeUndefined();
  }, 30_000);

  it('refuses a file over the relay cap with TOO_LARGE, before uploading anything', async () => {
    relay = await startRelay({ VEIL_BLOB_MAX_MIB: '1' });
    const alice = await newTestDevice(p, relay, 'alice');
    const error = await uploadAttachment(
      { p, blobs: alice.attachments.blobs },
      sourceFromBytes(fileBytes(1024 * 1024)), // + encryption overhead: just over 1 MiB
      { contentType: 'application/octet-stream', fileName: 'big.bin' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttachmentError);
    expect(error).toMatchObject({ code: 'TOO_LARGE' });
    expect((error as Error).message).toContain(`${1024 * 1024} bytes`);
  }, 30_000);

  it('reports a blob the relay has expired as UNAVAILABLE', async () => {
    relay = await startRelay();
    const alice = await newTestDevice(p, relay, 'alice');
    const pointer = await uploadAttachment(
      { p, blobs: alice.attachments.blobs },
      sourceFromBytes(fileBytes(1000)),
      { contentType: 'text/plain', fileName: 'note.txt' },
    );
    // The relay's own sweep, run as if its TTL had passed.
    const later = Date.now() + relay.config.blobTtlMs + 60_000;
    expect(await relay.app.blobs.sweep(later)).toBe(1);
    await expect(alice.attachments.open(pointer)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  }, 30_000);

  it('retries chunks that failed or were rate limited mid-upload, without corrupting the blob', async () => {
    relay = await startRelay();
    const alice = await newTestDevice(p, relay, 'alice');
    let puts = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT') {
        puts++;
        // The 2nd is refused by the rate limit; the 3rd never reaches the relay; the 5th reaches
        // it but its reply is lost.
        if (puts === 2) {
          return new Response(JSON.stringify({ code: 'RELAY_ERR_RATE_LIMIT', message: 'slow' }), {
            status: 429,
          });
        }
        if (puts === 3) throw new TypeError('fetch failed: connection reset');
        if (puts === 5) {
          await fetch(input, init);
          throw new TypeError('fetch failed: socket hang up');
        }
      }
      return fetch(input, init);
    };
    const http = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin, fetch: flaky });
    http.cookie = alice.http.cookie;
    const original = fileBytes(1_500_000);
    const pointer = await uploadAttachment(
      { p, blobs: new BlobApi(http) },
      sourceFromBytes(original),
      { contentType: 'application/zip', fileName: 'archive.zip' },
      { retryDelayMs: 1, rateLimitDelayMs: 1 },
    );
    expect(puts).toBeGreaterThan(6);
    expect(await holds(await alice.attachments.open(pointer), original)).toBe(true);
  }, 30_000);

  it('gives up with NETWORK when the relay stays unreachable, and frees the blob', async () => {
    relay = await startRelay();
    const alice = await newTestDevice(p, relay, 'alice');
    const down: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT') throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    await expect(uploadThrough(alice, down, 3)).rejects.toMatchObject({ code: 'NETWORK' });
    const used = await relay.app.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(used.n).toBe(0);
  }, 30_000);

  it('reports an overloaded relay (5xx) as NETWORK, so the file can wait instead of failing', async () => {
    relay = await startRelay();
    const alice = await newTestDevice(p, relay, 'alice');
    const overloaded = (method: string): typeof fetch => {
      return async (input, init) => {
        if (init?.method !== method) return fetch(input, init);
        return new Response(JSON.stringify({ code: 'RELAY_ERR_INTERNAL', message: 'busy' }), {
          status: 503,
        });
      };
    };
    // Creating the blob (not retried) and every attempt at a chunk: both answered 503.
    for (const method of ['POST', 'PUT']) {
      await expect(uploadThrough(alice, overloaded(method), 2)).rejects.toMatchObject({
        code: 'NETWORK',
      });
    }
  }, 30_000);
});
