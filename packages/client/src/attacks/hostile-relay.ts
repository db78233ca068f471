// A malicious relay for the attack suite: an HTTP + WebSocket proxy on 127.0.0.1 in front of the
// real relay (which runs unmodified). Clients talk to the proxy; the test arms it to rewrite what
// the relay answers (directory entries, prekey bundles, mailbox pages) and what it pushes on the
// socket (drop, delay, duplicate, reorder, replay, tamper with envelope frames) and the attachment
// blobs it serves (flip, cut, swap) — everything a relay operator, or a thief who took over the
// server, could do to the bytes in flight.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer, type RawData } from 'ws';

/** Rewrites one JSON reply of the relay; `undefined` keeps it as it is. */
export type ReplyRewrite = (reply: {
  method: string;
  path: string;
  status: number;
  body: unknown;
}) => unknown;

/** Rewrites the bytes of one blob download (`GET /api/v1/blobs/:id`); `undefined` keeps them. */
export type BlobRewrite = (blob: { id: string; bytes: Uint8Array }) => Uint8Array | undefined;

/**
 * Decides what reaches the client of one relay→client socket frame: a list of frames to send now
 * (empty drops it, two duplicates it, a changed one tampers with it).
 */
export type FrameRewrite = (frame: Record<string, unknown>) => Record<string, unknown>[];

export interface HostileRelay {
  readonly baseUrl: string;
  readonly origin: string;
  /** Every envelope frame the relay pushed, as sent by the relay (for replays). */
  readonly seenFrames: Record<string, unknown>[];
  rewriteReplies(rewrite: ReplyRewrite | null): void;
  rewriteFrames(rewrite: FrameRewrite | null): void;
  rewriteBlobs(rewrite: BlobRewrite | null): void;
  /** Sends a frame to every client socket as if the relay had. */
  inject(frame: Record<string, unknown>): void;
  /** Closes every client socket (the client reconnects by itself). */
  dropSockets(): void;
  stop(): Promise<void>;
}

const FORWARDED_REQUEST_HEADERS = ['cookie', 'origin', 'content-type', 'user-agent'];
const BLOB_DOWNLOAD = /^\/api\/v1\/blobs\/([^/?]+)$/;

function asText(data: RawData): string {
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString();
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startHostileRelay(upstream: {
  baseUrl: string;
  origin: string;
}): Promise<HostileRelay> {
  let replyRewrite: ReplyRewrite | null = null;
  let frameRewrite: FrameRewrite | null = null;
  let blobRewrite: BlobRewrite | null = null;
  const seenFrames: Record<string, unknown>[] = [];
  const clients = new Set<WebSocket>();
  const sockets = new Set<Socket>();

  async function forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const reply = await fetch(`${upstream.baseUrl}${path}`, {
      method,
      headers,
      ...(body.length === 0 ? {} : { body: new Uint8Array(body) }),
    });
    // Bytes, not text: blobs are binary and must pass unchanged unless a rewrite says otherwise.
    let bytes: Uint8Array = new Uint8Array(await reply.arrayBuffer());
    const type = reply.headers.get('content-type') ?? '';
    if (replyRewrite !== null && type.includes('application/json') && bytes.length > 0) {
      const rewritten = replyRewrite({
        method,
        path,
        status: reply.status,
        body: JSON.parse(Buffer.from(bytes).toString()) as unknown,
      });
      if (rewritten !== undefined) bytes = Buffer.from(JSON.stringify(rewritten));
    }
    const blobId = BLOB_DOWNLOAD.exec(path)?.[1];
    if (blobRewrite !== null && method === 'GET' && reply.status === 200 && blobId !== undefined) {
      bytes = blobRewrite({ id: blobId, bytes }) ?? bytes;
    }
    const out: Record<string, string | string[]> = {};
    if (type !== '') out['content-type'] = type;
    const cookies = reply.headers.getSetCookie();
    if (cookies.length > 0) out['set-cookie'] = cookies;
    response.writeHead(reply.status, out);
    response.end(bytes);
  }

  const server: Server = createServer((request, response) => {
    forward(request, response).catch(() => {
      // The real relay is down (the crash suite kills it): the client sees what it would then.
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const headers: Record<string, string> = {};
    for (const name of ['cookie', 'origin']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const relaySide = new WebSocket(`${upstream.baseUrl.replace('http', 'ws')}${request.url}`, {
      headers,
    });
    wss.handleUpgrade(request, socket, head, (client) => {
      clients.add(client);
      const pending: string[] = [];
      relaySide.on('open', () => {
        for (const text of pending.splice(0)) relaySide.send(text);
      });
      client.on('message', (data: RawData) => {
        const text = asText(data);
        if (relaySide.readyState === WebSocket.OPEN) relaySide.send(text);
        else pending.push(text);
      });
      relaySide.on('message', (data: RawData) => {
        const frame = JSON.parse(asText(data)) as Record<string, unknown>;
        if (frame['type'] === 'envelope') seenFrames.push(frame);
        const frames = frameRewrite === null ? [frame] : frameRewrite(frame);
        for (const f of frames)
          if (client.readyState === WebSocket.OPEN) client.send(JSON.stringify(f));
      });
      relaySide.on('close', (code, reason) => {
        if (client.readyState === WebSocket.OPEN) client.close(code, reason.toString());
      });
      relaySide.on('error', () => client.terminate());
      client.on('close', () => {
        clients.delete(client);
        relaySide.terminate();
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    origin: upstream.origin,
    seenFrames,
    rewriteReplies: (rewrite) => (replyRewrite = rewrite),
    rewriteFrames: (rewrite) => (frameRewrite = rewrite),
    rewriteBlobs: (rewrite) => (blobRewrite = rewrite),
    inject(frame) {
      for (const client of clients) client.send(JSON.stringify(frame));
    },
    dropSockets() {
      for (const client of clients) client.terminate();
    },
    async stop() {
      for (const client of clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
