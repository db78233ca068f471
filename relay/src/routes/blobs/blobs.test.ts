// The blob store against a real relay: chunked upload and byte-exact download by another account,
// ordered and idempotent chunks, size cap and quota, ownership, ids that never reach the file
// system, expiry, account deletion, and malformed requests.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as opaque from '@serenity-kit/opaque';
import type { BlobCreateReply, BlobUploadReply } from '@veil/wire';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthClient, signedUp } from '../../auth/test-support/auth-client';
import { BLOB_CHUNK_SIZE, INCOMPLETE_UPLOAD_TTL_MS } from '../../blobs/blob-service';
import { download, putChunk, uploadBlob } from '../../blobs/test-support/blob-client';
import { startRelay, type TestRelay } from '../../test-support/start-relay';

const PASSWORD = 'a long enough password';
const MIB = 1024 * 1024;

let relay: TestRelay;
beforeAll(async () => {
  await opaque.ready;
});
afterEach(async () => {
  await relay.stop();
});

const fileOf = (id: string): string => join(relay.dataDir, 'blobs', id);

async function create(client: AuthClient, size: number) {
  return client.call<BlobCreateReply>('POST', '/api/v1/blobs', { size });
}

async function rowOf(id: string) {
  return relay.app.db.selectFrom('blobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A well-formed id no blob has. */
const unknownId = (): string => randomBytes(16).toString('base64url');

describe('blob store', () => {
  it('needs a session for every route', async () => {
    relay = await startRelay();
    const stranger = new AuthClient(relay);
    const owner = await signedUp(relay, 'alice', PASSWORD);
    const id = await uploadBlob(owner, randomBytes(100));
    const answers = [
      await create(stranger, 10),
      await putChunk(stranger, { id, offset: 0, bytes: randomBytes(10) }),
      await download(stranger, id).then((d) => ({
        status: d.status,
        body: JSON.parse(Buffer.from(d.bytes).toString()) as { code?: string },
      })),
      await stranger.call('DELETE', `/api/v1/blobs/${id}`),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('RELAY_ERR_UNAUTHENTICATED');
    }
    expect(await rowOf(id)).toMatchObject({ complete: 1, received: 100 });
  });

  it('takes a blob in chunks and serves the same bytes to another account', async () => {
    relay = await startRelay();
    const alice = await signedUp(relay, 'alice', PASSWORD);
    const bob = await signedUp(relay, 'bob', PASSWORD);
    const content = randomBytes(2 * BLOB_CHUNK_SIZE + 12_345);

    const before = Date.now();
    const created = await create(alice, content.length);
    expect(created.status).toBe(201);
    const { id, chunkSize, expiresAt } = created.body;
    expect(id).toMatch(/^[A-Za-z0-9_-]{21}[AQgw]$/);
    expect(chunkSize).toBe(BLOB_CHUNK_SIZE);
    expect(expiresAt).toBeGreaterThanOrEqual(before + relay.config.blobTtlMs);
    expect(existsSync(fileOf(id))).toBe(true);

    const progress: BlobUploadReply[] = [];
    for (let offset = 0; offset < content.length; offset += chunkSize) {
      // Not downloadable, by anyone, until the last byte is in.
      expect((await download(bob, id)).status).toBe(404);
      expect((await download(alice, id)).status).toBe(404);
      const answer = await putChunk<BlobUploadReply>(alice, {
        id,
        offset,
        bytes: content.subarray(offset, offset + chunkSize),
      });
      expect(answer.status).toBe(200);
      progress.push(answer.body);
    }
    expect(progress).toEqual([
      { received: chunkSize, complete: false },
      { received: 2 * chunkSize, complete: false },
      { received: content.length, complete: true },
    ]);

    const fetched = await download(bob, id);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('application/octet-stream');
    expect(fetched.headers.get('cache-control')).toBe('no-store');
    expect(fetched.headers.get('content-length')).toBe(String(content.length));
    expect(Buffer.from(fetched.bytes).equals(content)).toBe(true);
    expect((await readFile(fileOf(id))).equals(content)).toBe(true);
    // Nothing about the download is kept: the row is as the upload left it.
    expect(await rowOf(id)).toMatchObject({ received: content.length, complete: 1 });
  });

  it('serves single byte ranges', async () => {
    relay = await startRelay();
    const alice = await signedUp(relay, 'alice', PASSWORD);
    const content = randomBytes(1000);
    const id = await uploadBlob(alice, content);

    const middle = await download(alice, id, { range: 'bytes=10-19' });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe('bytes 10-19/1000');
    expect(Buffer.from(middle.bytes).equals(content.subarray(10, 20))).toBe(true);
    const tail = await download(alice, id, { range: 'bytes=-5' });
    expect(Buffer.from(tail.bytes).equals(content.subarray(995))).toBe(true);
    const open = await download(alice, id, { range: 'bytes=990-' });
    expect(Buffer.from(open.bytes).equals(content.subarray(990))).toBe(true);
    const past = await download(alice, id, { range: 'bytes=1000-' });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */1000');
    // Several ranges are not supported: the whole blob comes back.
    const several = await download(alice, id, { range: 'bytes=0-1,5-6' });
    expect(several.status).toBe(200);
    expect(several.bytes.length).toBe(1000);
  });

  it('takes chunks in order only, and answers a retried chunk again', async () => {
    relay = await startRelay();
    const alice = await signedUp(relay, 'alice', PASSWORD);
    const content = randomBytes(3000);
    const { id } = (await create(alice, content.length)).body;
    const first = content.subarray(0, 1000);
    const second = content.subarray(1000, 2000);

    const ahead = await putChunk(alice, { id, offset: 1000, bytes: second });
    expect(ahead.status).toBe(409);
    expect(ahead.body.code).toBe('RELAY_ERR_BLOB_OFFSET');
    expect(ahead.body.message).toContain('byte 0');

    expect((await putChunk(alice, { id, offset: 0, bytes: first })).status).toBe(200);
    // The reply was "lost": the same chunk again changes nothing and gets the same answer.
    const retried = await putChunk<BlobUploadReply>(alice, { id, offset: 0, bytes: first });
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ received: 1000, complete: false });
    // Other bytes at an old offset, or a chunk straddling what was received, are refused.
    const changed = Buffer.from(first);
    changed[500] = changed[500]! ^ 1;
    const rewritten = await putChunk(alice, { id, offset: 0, bytes: changed });
    expect(rewritten.status).toBe(409);
    expect(rewritten.body.message).toContain('byte 1000');
    const straddling = content.subarray(500, 1500);
    expect((await putChunk(alice, { id, offset: 500, bytes: straddling })).status).toBe(409);
    expect(await rowOf(id)).toMatchObject({ received: 1000, complete: 0 });

    const tooLong = randomBytes(2001);
    const past = await putChunk(alice, { id, offset: 1000, bytes: tooLong });
    expect(past.status).toBe(413);
    expect(past.body.code).toBe('RELAY_ERR_BLOB_TOO_LARGE');

    expect((await putChunk(alice, { id, offset: 1000, bytes: second })).status).toBe(200);
    const last = content.subarray(2000);
    const done = await putChunk<BlobUploadReply>(alice, { id, offset: 2000, bytes: last });
    expect(done.body).toEqual({ received: 3000, complete: true });
    const again = await putChunk<BlobUploadReply>(alice, { id, offset: 2000, bytes: last });
    expect(again.body).toEqual({ received: 3000, complete: true });
    expect(Buffer.from((await download(alice, id)).bytes).equals(content)).toBe(true);
  });

  it('keeps concurrent chunks for one blob from interleaving', async () => {
    relay = await startRelay();
    const alice = await signedUp(relay, 'alice', PASSWORD);
    const { id } = (await create(alice, 2000)).body;
    const rivals = [randomBytes(1000), randomBytes(1000), randomBytes(1000)];
    const answers = await Promise.all(
      rivals.map((bytes) => putChunk(alice, { id, offset: 0, bytes })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    const winner = rivals[answers.findIndex((a) => a.status === 200)]!;
    expect((await readFile(fileOf(id))).subarray(0, 1000).equals(winner)).toBe(true);
  });

  it('refuses blobs over the size cap', async () => {
    relay = await startRelay({ VEIL_BLOB_MAX_MIB: '1' });
    const alice = await signedUp(relay, 'alice', PASSWORD);
    const over = await create(alice, MIB + 1);
    expect(over.status).toBe(413);
    expect(over.body.code).toBe('RELAY_ERR_BLOB_TOO_LARGE');
    expect((await create(alice, 0)).status).toBe(400);
    expect((await create(alice, MIB)).status).toBe(201);
    expect(await relay.app.db.selectFrom('blobs').select('size').execute()).toEqual([
      { size: MIB },
    ]);
  });

  it('holds each account to its quota of live blobs, finished or not', async () => {
    relay = await startRelay({ VEIL_BLOB_QUOTA_MIB: '1' });
    const alice = await signedUp(relay, 'alice', PASSWORD);
    const bob = await signedUp(relay, 'bob', PASSWORD);
    const first = await create(alice, 600 * 1024);
    expect(first.status).toBe(201);
    const refused = await create(alice, 600 * 1024);
    expect(refused.status).toBe(413);
    expect(refused.body.code).toBe('RELAY_ERR_BLOB_QUOTA');
    expect((await create(alice, MIB - 600 * 1024)).status).toBe(201);
    // Another account's quota is its own.
    expect((await create(bob, 600 * 1024)).status).toBe(201);

    // Two creates at once cannot both squeeze under the quota.
    const carol = await signedUp(relay, 'carol', PASSWORD);
    const racing = await Promise.all([create(carol, 600 * 1024), create(carol, 600 * 1024)]);
    expect(racing.map((a) => a.status).sort()).toEqual([201, 413]);

    // Deleting frees the space at once.
    expect((await alice.call('DELETE', `/api/v1/blobs/${first.body.id}`)).status).toBe(204);
    expect((await create(alice, 600 * 1024)).status).toBe(201);
  });

  it('lets only the uploader upload to or delete a blob', async () => {
    relay = await startRelay();
    const alice = await signedUp(relay, 'alice', PASSWORD);
    const mallory = await signedUp(relay, 'mallory', PASSWORD);
    const { id } = (await create(alice, 100)).body;

    const foreign = await putChunk(mallory, { id, offset: 0, bytes: randomBytes(100) });
    expect(foreign.status).toBe(403);
    expect(foreign.body.code).toBe('RELAY_ERR_BLOB_NOT_OWNER');
    expect(await rowOf(id)).toMatchObject({ received: 0 });
    expect((await readFile(fileOf(id))).length).toBe(0);

    const content = randomBytes(100);
    expect((await putChunk(alice, { id, offset: 0, bytes: content })).status).toBe(200);
    const foreignDelete = await mallory.call('DELETE', `/api/v1/blobs/${id}`);
    expect(foreignDelete.status).toBe(403);
    // Downloading is open to any signed-in account holding the id.
    expect(Buffer.from((await download(mallory, id)).bytes).equals(content)).toBe(true);

    expect((await alice.call('DELETE', `/api/v1/blobs/${id}`)).status).toBe(204);
    expect(await rowOf(id)).toBeUndefined();
    expect(existsSync(fileOf(id))).toBe(false);
    expect((await download(mallory, id)).status).toBe(404);
    expect((await alice.call('DELETE', `/api/v1/blobs/${id}`)).status).toBe(404);
  });

  it('checks ids before the file system, and serves only files with a row', async () => {
    relay = await startRelay();
    const alice = await signedUp(relay, 'alice', PASSWORD);
    // A file where a traversal would land, and a file in the store that has no row.
    await writeFile(join(relay.dataDir, 'secret'), 'not yours');
    const planted = unknownId();
    await writeFile(fileOf(planted), 'no row');

    const malformed = [
      '..%2Fsecret',
      '..%2F..%2Fsecret',
      'short',
      'A'.repeat(21) + 'B', // 22 characters, but not the canonical spelling of 16 bytes
      'A'.repeat(23),
    ];
    for (const id of malformed) {
      const fetched = await download(alice, id);
      expect(fetched.status, id).toBe(400);
      const answer = await putChunk(alice, { id, offset: 0, bytes: randomBytes(4) });
      expect(answer.status, id).toBe(400);
      expect((await alice.call('DELETE', `/api/v1/blobs/${id}`)).status, id).toBe(400);
    }
    for (const id of [unknownId(), planted]) {
      const fetched = await download(alice, id);
      expect(fetched.status).toBe(404);
      expect(JSON.parse(Buffer.from(fetched.bytes).toString())).toMatchObject({
        code: 'RELAY_ERR_BLOB_NOT_FOUND',
      });
      expect((await putChunk(alice, { id, offset: 0, bytes: randomBytes(4) })).status).toBe(404);
      expect((await alice.call('DELETE', `/api/v1/blobs/${id}`)).status).toBe(404);
    }
    expect(await readFile(join(relay.dataDir, 'secret'), 'utf8')).toBe('not yours');
    expect(await readFile(fileOf(planted), 'utf8')).toBe('no row');
    // The sweep removes files without rows, and nothing outside the store.
    await relay.app.blobs.sweep();
    expect(existsSync(fileOf(planted))).toBe(false);
    expect(existsSync(join(relay.dataDir, 'secret'))).toBe(true);
  });

  it('sweeps expired blobs and abandoned uploads, rows and files', async () => {
    relay = await startRelay();
    const alice = await signedUp(relay, 'alice', PASSWORD);
    const now = Date.now();
    const finished = await uploadBlob(alice, randomBytes(500));
    const abandoned = (await create(alice, 500)).body.id;
    expect(
      (await putChunk(alice, { id: abandoned, offset: 0, bytes: randomBytes(100) })).status,
    ).toBe(200);

    // An hour on, the unfinished upload goes and the finished blob stays.
    const anHourOn = now + INCOMPLETE_UPLOAD_TTL_MS + 60_000;
    const { account_id: accountId } = (await rowOf(abandoned))!;
    const late = { accountId, id: abandoned, offset: 100, bytes: randomBytes(1), now: anHourOn };
    await expect(relay.app.blobs.append(late)).rejects.toMatchObject({
      code: 'RELAY_ERR_BLOB_NOT_FOUND',
    });
    expect(await relay.app.blobs.sweep(anHourOn)).toBe(1);
    expect(await rowOf(abandoned)).toBeUndefined();
    expect(existsSync(fileOf(abandoned))).toBe(false);
    expect(existsSync(fileOf(finished))).toBe(true);
    expect((await download(alice, finished)).status).toBe(200);

    // Past the TTL it is gone too, and refused even before a sweep gets to it.
    const expired = now + relay.config.blobTtlMs + 60_000;
    await expect(relay.app.blobs.openDownload(finished, expired)).rejects.toMatchObject({
      code: 'RELAY_ERR_BLOB_NOT_FOUND',
    });
    expect(await relay.app.blobs.sweep(expired)).toBe(1);
    expect(await rowOf(finished)).toBeUndefined();
    expect(existsSync(fileOf(finished))).toBe(false);
    expect((await download(alice, finished)).status).toBe(404);
  });

  it("removes a deleted account's files, and only those", async () => {
    relay = await startRelay();
    const alice = await signedUp(relay, 'alice', PASSWORD);
    const bob = await signedUp(relay, 'bob', PASSWORD);
    const kept = await uploadBlob(bob, randomBytes(300));
    const gone = [await uploadBlob(alice, randomBytes(300)), (await create(alice, 50)).body.id];
    for (const id of gone) expect(existsSync(fileOf(id))).toBe(true);

    const reauth = await alice.reauthWithPassword(PASSWORD);
    const deleted = await alice.call('DELETE', '/api/v1/account', {
      reauthToken: reauth.body.reauthToken,
    });
    expect(deleted.status).toBe(204);
    await vi.waitFor(() => {
      for (const id of gone) expect(existsSync(fileOf(id))).toBe(false);
    });
    for (const id of gone) expect(await rowOf(id)).toBeUndefined();
    expect(existsSync(fileOf(kept))).toBe(true);
    expect((await download(bob, kept)).status).toBe(200);
  });

  it('refuses malformed uploads with 4xx and keeps working', async () => {
    relay = await startRelay();
    const alice = await signedUp(relay, 'alice', PASSWORD);
    const content = randomBytes(2 * MIB);
    const { id } = (await create(alice, content.length)).body;
    const chunk = content.subarray(0, 1000);

    const asJson = await putChunk(alice, {
      id,
      offset: 0,
      bytes: Buffer.from(JSON.stringify({ data: 'x' })),
      contentType: 'application/json',
    });
    expect(asJson.status).toBe(415);
    expect(asJson.body.code).toBe('RELAY_ERR_BLOB_CONTENT_TYPE');
    const asText = await putChunk(alice, {
      id,
      offset: 0,
      bytes: chunk,
      contentType: 'text/plain',
    });
    expect(asText.status).toBe(415);
    const oversized = await putChunk(alice, { id, offset: 0, bytes: content.subarray(0, MIB + 1) });
    expect(oversized.status).toBe(413);
    const empty = await putChunk(alice, { id, offset: 0, bytes: new Uint8Array(0) });
    expect(empty.status).toBe(400);
    for (const offset of ['', '-1', 'abc', '1.5']) {
      expect((await putChunk(alice, { id, offset, bytes: chunk })).status, offset).toBe(400);
    }
    const noBody = await alice.call('POST', '/api/v1/blobs', {});
    expect(noBody.status).toBe(400);
    expect(await rowOf(id)).toMatchObject({ received: 0 });

    // Still working: a whole chunk of the largest size is taken.
    const full = await putChunk<BlobUploadReply>(alice, {
      id,
      offset: 0,
      bytes: content.subarray(0, MIB),
    });
    expect(full.status).toBe(200);
    expect(full.body).toEqual({ received: MIB, complete: false });
  });
});
