// Everything under /api/v1/blobs: encrypted attachments. The sender creates a blob, uploads its
// ciphertext in chunks and shares the id inside an end-to-end encrypted message; any signed-in
// account holding the id downloads it. Every route needs a session, checked before any body is
// read. Blob ids never reach the logs: they are download capabilities.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  BLOB_LIMITS,
  BlobCreateBodySchema,
  BlobCreateReplySchema,
  BlobIdParamsSchema,
  BlobUploadQuerySchema,
  BlobUploadReplySchema,
} from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { routePatternLog } from '../route-pattern-log';
import { BODY_LIMITS } from '../../auth/rate-limits';
import { RelayBlobContentTypeError, RelayBlobRangeError } from '../../errors';

/**
 * Per-IP budgets, below the global 600 a minute. Uploads allow ~75 MiB a minute in suggested
 * chunks (a 100 MiB video in under two minutes); creating and deleting are rarer.
 */
export const BLOB_RATE_LIMITS = {
  create: { max: 60, timeWindow: '1 minute' },
  upload: { max: 300, timeWindow: '1 minute' },
  delete: { max: 60, timeWindow: '1 minute' },
} as const;

type ByteRange = { readonly start: number; readonly end: number } | 'unsatisfiable' | null;

/**
 * A single `bytes=` range (RFC 9110 §14.1.2) within `size` bytes, clipped to the end. Anything this
 * does not handle (several ranges, other units, bad syntax) is ignored: the whole blob is sent.
 */
export function parseRange(header: string | undefined, size: number): ByteRange {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return null;
  const [, first = '', last = ''] = match;
  if (first === '') {
    if (last === '') return null;
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

export default async function blobRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // preParsing, not preHandler: after the rate limit (an onRequest hook), and before any body is
  // read, so a stranger's upload is refused without buffering it.
  app.addHook('preParsing', async (request, reply) => {
    await app.requireSession(request, reply);
  });
  // Chunks are raw ciphertext. Not a CORS "simple" type, so a cross-site page cannot send one
  // without a preflight (which the relay never grants).
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: BLOB_LIMITS.maxChunkBytes },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/api/v1/blobs',
    {
      bodyLimit: BODY_LIMITS.small,
      config: { rateLimit: BLOB_RATE_LIMITS.create },
      schema: { body: BlobCreateBodySchema, response: { 201: BlobCreateReplySchema } },
    },
    async (request, reply) => {
      const created = await app.blobs.create(request.session!.accountId, request.body.size);
      return reply.code(201).send(created);
    },
  );

  app.put(
    '/api/v1/blobs/:id/content',
    {
      bodyLimit: BLOB_LIMITS.maxChunkBytes,
      config: { rateLimit: BLOB_RATE_LIMITS.upload },
      logSerializers: routePatternLog,
      schema: {
        params: BlobIdParamsSchema,
        querystring: BlobUploadQuerySchema,
        response: { 200: BlobUploadReplySchema },
      },
    },
    async (request) => {
      if (!Buffer.isBuffer(request.body)) throw new RelayBlobContentTypeError();
      return app.blobs.append({
        accountId: request.session!.accountId,
        id: request.params.id,
        offset: request.query.offset,
        bytes: request.body,
      });
    },
  );

  app.get(
    '/api/v1/blobs/:id',
    // A HEAD would open the file only to throw the stream away.
    {
      exposeHeadRoute: false,
      logSerializers: routePatternLog,
      schema: { params: BlobIdParamsSchema },
    },
    async (request, reply) => {
      const { handle, size } = await app.blobs.openDownload(request.params.id);
      const range = parseRange(request.headers.range, size);
      if (range === 'unsatisfiable') {
        await handle.close();
        reply.header('content-range', `bytes */${size}`);
        throw new RelayBlobRangeError();
      }
      const { start, end } = range ?? { start: 0, end: size - 1 };
      if (range !== null) reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', end - start + 1)
        .header('cache-control', 'no-store')
        .header('accept-ranges', 'bytes')
        .send(handle.createReadStream({ start, end }));
    },
  );

  app.delete(
    '/api/v1/blobs/:id',
    {
      config: { rateLimit: BLOB_RATE_LIMITS.delete },
      logSerializers: routePatternLog,
      schema: { params: BlobIdParamsSchema },
    },
    async (request, reply) => {
      await app.blobs.remove(request.session!.accountId, request.params.id);
      return reply.code(204).send();
    },
  );
}
