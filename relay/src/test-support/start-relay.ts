// Starts a real relay for a test: a fresh data directory (real SQLite file, real key file), a web
// directory with a stub page, listening on 127.0.0.1 with a free port. `stop()` closes it and
// removes the directory.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app';
import { loadConfig, type Config } from '../config';

/** Where a test client sends requests: enough for clients of an in-process or a child-process relay. */
export interface RelayAddress {
  readonly baseUrl: string;
  readonly origin: string;
}

export interface TestRelay {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly baseUrl: string;
  readonly origin: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

const CUT_CONNECTIONS_AFTER_MS = 1000;

export async function startRelay(env: Record<string, string> = {}): Promise<TestRelay> {
  const scratch = await mkdtemp(join(tmpdir(), 'veil-relay-'));
  const dataDir = join(scratch, 'data');
  const webDir = join(scratch, 'web');
  await mkdir(dataDir);
  await mkdir(webDir);
  await writeFile(join(webDir, 'index.html'), '<!doctype html><title>Veil</title>\n');
  // The port is only known after listening, so the origin is fixed to a placeholder port here
  // and tests send the matching Origin header explicitly.
  const config = loadConfig({
    VEIL_PORT: '0',
    VEIL_DATA_DIR: dataDir,
    VEIL_WEB_DIR: webDir,
    VEIL_LOG_LEVEL: 'silent',
    VEIL_ORIGIN: 'http://127.0.0.1:8080',
    ...env,
  });
  const app = await buildApp(config);
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${port}`,
    origin: config.publicOrigin,
    dataDir,
    async stop() {
      // Tests end abruptly: a client's WebSocket can be mid-handshake (a reconnect racing the
      // shutdown), and that upgrade request holds close() open. Whatever is still connected a
      // moment into the close is cut, as the operator's close-with-grace would, only sooner.
      const cut = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, CUT_CONNECTIONS_AFTER_MS);
      await app.close();
      clearTimeout(cut);
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
