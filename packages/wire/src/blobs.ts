// Bodies of the blob store (`/api/v1/blobs`): encrypted attachments, uploaded in chunks by their
// sender and downloaded by id. The relay only ever holds ciphertext (a secretstream blob, see
// docs/protocol.md); the random id is the capability to download, so it is never derived from
// anything the relay or another person could guess.
import Type, { type Static } from 'typebox';
import { MillisSchema } from './bytes';

export const BLOB_LIMITS = {
  /** Largest chunk one upload request may carry; the relay suggests a smaller `chunkSize`. */
  maxChunkBytes: 1024 * 1024,
  /** Random bytes in a blob id (128 bits, 22 characters of unpadded base64url). */
  idBytes: 16,
} as const;

/**
 * 16 random bytes as canonical unpadded base64url: 21 free characters and a last one that carries
 * only two bits (so exactly one spelling per id is accepted).
 */
export const BLOB_ID_PATTERN = '^[A-Za-z0-9_-]{21}[AQgw]$';

export const BlobIdSchema = Type.String({ minLength: 22, maxLength: 22, pattern: BLOB_ID_PATTERN });
export type BlobId = Static<typeof BlobIdSchema>;

/** Byte counts; the relay's configured cap (`blobMaxBytes`) is checked by the route. */
const ByteCountSchema = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const BlobIdParamsSchema = Type.Object(
  { id: BlobIdSchema },
  { additionalProperties: false },
);
export type BlobIdParams = Static<typeof BlobIdParamsSchema>;

/** `POST /api/v1/blobs`: the exact ciphertext size the client is about to upload. */
export const BlobCreateBodySchema = Type.Object(
  { size: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);
export type BlobCreateBody = Static<typeof BlobCreateBodySchema>;

export const BlobCreateReplySchema = Type.Object(
  {
    id: BlobIdSchema,
    /** The chunk size the relay suggests for uploads (any chunk up to `maxChunkBytes` is taken). */
    chunkSize: Type.Integer({ minimum: 1, maximum: BLOB_LIMITS.maxChunkBytes }),
    /** When the relay deletes the blob, downloaded or not. */
    expiresAt: MillisSchema,
  },
  { additionalProperties: false },
);
export type BlobCreateReply = Static<typeof BlobCreateReplySchema>;

/**
 * `PUT /api/v1/blobs/:id/content?offset=N`, body `application/octet-stream`: `offset` must be the
 * number of bytes the relay has received so far. Resending the last chunk at its old offset (after
 * a lost reply) is answered again without being stored twice.
 */
export const BlobUploadQuerySchema = Type.Object(
  { offset: ByteCountSchema },
  { additionalProperties: false },
);
export type BlobUploadQuery = Static<typeof BlobUploadQuerySchema>;

export const BlobUploadReplySchema = Type.Object(
  { received: ByteCountSchema, complete: Type.Boolean() },
  { additionalProperties: false },
);
export type BlobUploadReply = Static<typeof BlobUploadReplySchema>;
