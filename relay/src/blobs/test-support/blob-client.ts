// Binary requests for blob tests: AuthClient speaks JSON only, chunks and downloads are raw bytes.
// Uses the client's session cookie and origin, as a browser would.
import type { BlobCreateReply } from '@veil/wire';
import type { Answer, AuthClient, ErrorBody } from '../../auth/test-support/auth-client';

export interface Download {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Uint8Array;
}

function headersOf(client: AuthClient, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { origin: client.relay.origin, ...extra };
  if (client.cookie !== null) headers['cookie'] = client.cookie;
  return headers;
}

/** `PUT /api/v1/blobs/:id/content?offset=` with a raw body (octet-stream unless told otherwise). */
export async function putChunk<T = unknown>(
  client: AuthClient,
  options: { id: string; offset: number | string; bytes: Uint8Array; contentType?: string },
): Promise<Answer<T>> {
  const response = await fetch(
    `${client.relay.baseUrl}/api/v1/blobs/${options.id}/content?offset=${options.offset}`,
    {
      method: 'PUT',
      headers: headersOf(client, {
        'content-type': options.contentType ?? 'application/octet-stream',
      }),
      body: options.bytes,
    },
  );
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T & ErrorBody };
}

/** `GET /api/v1/blobs/:id`, the body as bytes whatever the status. */
export async function download(
  client: AuthClient,
  id: string,
  extra: Record<string, string> = {},
): Promise<Download> {
  const response = await fetch(`${client.relay.baseUrl}/api/v1/blobs/${id}`, {
    headers: headersOf(client, extra),
  });
  return {
    status: response.status,
    headers: response.headers,
    bytes: new Uint8Array(await response.arrayBuffer()),
  };
}

/** Creates a blob for `bytes` and uploads them in chunks of the size the relay suggests. */
export async function uploadBlob(client: AuthClient, bytes: Uint8Array): Promise<string> {
  const created = await client.call<BlobCreateReply>('POST', '/api/v1/blobs', {
    size: bytes.length,
  });
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  const { id, chunkSize } = created.body;
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    const chunk = bytes.subarray(offset, offset + chunkSize);
    const answer = await putChunk(client, { id, offset, bytes: chunk });
    if (answer.status !== 200) throw new Error(`upload failed: ${JSON.stringify(answer.body)}`);
  }
  return id;
}
