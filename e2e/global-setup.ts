// Starts the real relay as an operator would (tsx relay/src/server.ts) on 127.0.0.1, on a free port
// the kernel picked, with its origin set to match, and a throwaway data directory; returns the teardown that stops it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_PATH } from './playwright.config';

const relayDir = fileURLToPath(new URL('../relay', import.meta.url));
const LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: run "sh scripts/setup.sh --browser" first.`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'veil-e2e-'));
  // The relay must know its own origin (it refuses API calls and sockets from any other), so the
  // port is chosen here rather than by the relay.
  const port = await freePort();
  const relay = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: relayDir,
    env: {
      ...process.env,
      VEIL_HOST: '127.0.0.1',
      VEIL_PORT: String(port),
      VEIL_ORIGIN: `http://127.0.0.1:${port}`,
      VEIL_DATA_DIR: dataDir,
      VEIL_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => relay.on('exit', resolve));

  let log = '';
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start:\n${log}`)), 30_000);
    const onOutput = (chunk: string): void => {
      log += chunk;
      const url = LISTENING.exec(log)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    relay.stdout.setEncoding('utf8').on('data', onOutput);
    relay.stderr.setEncoding('utf8').on('data', onOutput);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited with code ${code} before listening:\n${log}`));
    });
  });
  // Workers inherit this, and playwright.config.ts reads it as baseURL.
  process.env.VEIL_E2E_BASE_URL = baseUrl;

  return async () => {
    relay.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };
}
