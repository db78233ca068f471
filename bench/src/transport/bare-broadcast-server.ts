// The physical limit for the transport section: a bare `ws` server with no auth, no persistence
// and no acknowledgement tracking, speaking the same shapes as the relay so both cost the load
// generator the same: `POST /broadcast` takes the relay's submit body and pushes each body as an
// `envelope` frame to every connected socket named in `to` (by username); a socket that says
// `hello` gets `ready` and then, for the reconnect storm, BARE_QUEUED frames held in memory.
// Run as its own process (`node --import tsx bare-broadcast-server.ts`); prints its port.

import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { answerGcLines } from '@veil/relay/src/test-support/gc-over-stdin';
import { WebSocketServer, type WebSocket } from 'ws';

const queued = Number(process.env.BARE_QUEUED ?? '0');
const queuedBytes = Number(process.env.BARE_QUEUED_BYTES ?? '256');
// Numbered 1..queued in their first four bytes, as the load generator's bodies are.
const queuedBodies = Array.from({ length: queued }, (_, i) => {
  const body = Buffer.alloc(queuedBytes);
  body.writeUInt32BE(i + 1, 0);
  return body.toString('base64url');
});

interface Peer {
  readonly socket: WebSocket;
  seq: number;
}

const peers = new Map<string, Peer>();

function push(peer: Peer, body: string): void {
  peer.seq += 1;
  peer.socket.send(
    JSON.stringify({ type: 'envelope', seq: peer.seq, body, receivedAt: Date.now() }),
  );
}

const server = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/broadcast') {
    response.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const submit = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      envelopes: { body: string; to: { username: string }[] }[];
    };
    let deliveries = 0;
    for (const envelope of submit.envelopes) {
      for (const recipient of envelope.to) {
        const peer = peers.get(recipient.username);
        if (peer === undefined) continue;
        push(peer, envelope.body);
        deliveries += 1;
      }
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ duplicate: false, deliveries }));
  });
});

const wss = new WebSocketServer({ server, maxPayload: 4 * 1024 });
wss.on('connection', (socket, request) => {
  const username = new URL(request.url ?? '/', 'http://bare').searchParams.get('u') ?? '';
  const peer: Peer = { socket, seq: 0 };
  peers.set(username, peer);
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as { type: string };
    if (frame.type !== 'hello') return;
    socket.send(
      JSON.stringify({
        type: 'ready',
        head: queued,
        prekeys: { oneTime: 0, pqOneTime: 0, signedPrekeyAt: null },
      }),
    );
    for (const body of queuedBodies) push(peer, body);
  });
  socket.on('close', () => {
    if (peers.get(username) === peer) peers.delete(username);
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address !== null && typeof address === 'object') {
    console.log(`bare listening on ${String(address.port)}`);
  }
});
// "gc" on stdin (node --expose-gc) asks for a full collection, as the relay's does (gc-over-stdin.ts).
answerGcLines(createInterface({ input: process.stdin }));
process.on('SIGTERM', () => {
  for (const peer of peers.values()) peer.socket.terminate();
  server.close(() => process.exit(0));
});
