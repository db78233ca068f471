// The relay's blob store (`/api/v1/blobs`, schemas in @veil/wire) as the attachment code uses it:
// create a blob of an exact ciphertext size, append chunks at an offset, download by id. Only
// ciphertext ever passes through here.
import type { BlobCreateReply, BlobUploadReply } from '@veil/wire';
import type { RelayHttp } from '../relay/relay-http';

export class BlobApi {
  constructor(private readonly http: RelayHttp) {}

  create(size: number): Promise<BlobCreateReply> {
    return this.http.post<BlobCreateReply>('/api/v1/blobs', { size });
  }

  async append(id: string, offset: number, bytes: Uint8Array): Promise<BlobUploadReply> {
    const response = await this.http.raw('PUT', `/api/v1/blobs/${id}/content?offset=${offset}`, {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    return (await response.json()) as BlobUploadReply;
  }

  /** The whole blob as a stream; the caller reads it to its end or cancels it. */
  async download(id: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await this.http.raw('GET', `/api/v1/blobs/${id}`, {
      ...(signal === undefined ? {} : { signal }),
    });
    if (response.body === null) return new ReadableStream({ start: (c) => c.close() });
    return response.body;
  }

  async remove(id: string): Promise<void> {
    const response = await this.http.raw('DELETE', `/api/v1/blobs/${id}`);
    await response.body?.cancel();
  }
}
