// The real relay as an operator runs it (tsx relay/src/server.ts), on 127.0.0.1 and a port chosen
// here, with VEIL_ORIGIN to match (the relay refuses API calls and sockets from other origins).
// Pages reach it as http://localhost:<port>: WebAuthn refuses an IP address as relying-party id,
// and Chromium resolves `localhost` to the loopback itself (a secure context, like 127.0.0.1).
// A test can stop it and start it again on the same port and data directory.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const relayDir = fileURLToPath(new URL('../relay', import.meta.url));
const LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/;

export interface RelayProcess {
  readonly baseUrl: string;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startRelayProcess(options: {
  dataDir: string;
  port: number;
  /** More VEIL_* settings (VEIL_WEB_DIR to serve another copy of the PWA, say). */
  env?: Readonly<Record<string, string>>;
}): Promise<RelayProcess> {
  const relay = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: relayDir,
    env: {
      ...process.env,
      VEIL_HOST: '127.0.0.1',
      VEIL_PORT: String(options.port),
      VEIL_ORIGIN: `http://localhost:${options.port}`,
      VEIL_DATA_DIR: options.dataDir,
      VEIL_LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => relay.on('exit', resolve));
  let log = '';
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      relay.kill('SIGKILL');
      reject(new Error(`relay did not start:\n${log}`));
    }, 90_000); // a bound for a hung start, not a speed target (tsx compiles the relay first)
    const onOutput = (chunk: string): void => {
      log += chunk;
      const url = LISTENING.exec(log)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve(url.replace('127.0.0.1', 'localhost'));
      }
    };
    relay.stdout.setEncoding('utf8').on('data', onOutput);
    relay.stderr.setEncoding('utf8').on('data', onOutput);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited with code ${code} before listening:\n${log}`));
    });
  });
  return {
    baseUrl,
    async stop() {
      relay.kill('SIGTERM');
      await exited;
    },
  };
}
