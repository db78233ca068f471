// The two servers the transport section compares, behind one shape: the real relay (seeded, its
// own process) and the bare `ws` broadcast server (its own process), each with how to reach its
// sockets, how to submit one body to many devices, and its process id for memory readings.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gcOverStdin } from '@veil/relay/src/test-support/gc-over-stdin';
import type { ClientTarget } from './load-clients';
import { startSeededRelay } from './seeded-relay';
import { poster, submitBody } from './submit-over-http';

export interface TransportServer {
  readonly name: string;
  readonly pid: number;
  readonly target: ClientTarget;
  readonly username: (index: number) => string;
  /** Submits one body for the named devices; resolves when the server has answered (200). */
  submit(body: string, recipients: readonly string[]): Promise<void>;
  /** A full garbage collection in the server's process (both run with --expose-gc). */
  collectGarbage(): Promise<void>;
  dispose(): Promise<void>;
}

/** Resident memory of a process, in bytes (Linux). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${String(pid)}`);
  return Number(kib) * 1024;
}

export async function startRelayServer(devices: number): Promise<TransportServer> {
  const seeded = await startSeededRelay({ devices });
  const { baseUrl, origin } = seeded.relay;
  const socketUrl = `${baseUrl.replace('http://', 'ws://')}/api/v1/socket`;
  const sender = poster(`${baseUrl}/api/v1/messages`, {
    cookie: seeded.senderCookie,
    origin,
  });
  return {
    name: 'relay',
    pid: seeded.pid,
    username: seeded.username,
    target: {
      url: () => socketUrl,
      headers: (index) => ({ cookie: seeded.deviceCookie(index), origin }),
    },
    submit: async (body, recipients) => {
      const status = await sender.post(submitBody(body, recipients));
      if (status !== 200) throw new Error(`relay refused a submission (${String(status)})`);
    },
    collectGarbage: () => seeded.relay.collectGarbage(),
    dispose: async () => {
      sender.close();
      await seeded.dispose();
    },
  };
}

const bareScript = fileURLToPath(new URL('bare-broadcast-server.ts', import.meta.url));

export async function startBareServer(
  options: { queued?: number; queuedBytes?: number } = {},
): Promise<TransportServer> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', bareScript], {
    env: {
      ...process.env,
      BARE_QUEUED: String(options.queued ?? 0),
      BARE_QUEUED_BYTES: String(options.queuedBytes ?? 256),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /bare listening on (\d+)/.exec(output);
      if (match !== null) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error(`bare server exited early: ${output}`)));
  });
  const collectGarbage = gcOverStdin(child);
  const base = `http://127.0.0.1:${port}`;
  const sender = poster(`${base}/broadcast`, {});
  const username = (index: number) => `load${String(index)}`;
  return {
    name: 'bare ws',
    pid: child.pid!,
    username,
    target: {
      url: (index) => `ws://127.0.0.1:${port}/?u=${username(index)}`,
      headers: () => ({}),
    },
    submit: async (body, recipients) => {
      const status = await sender.post(submitBody(body, recipients));
      if (status !== 200) throw new Error(`bare server refused a submission (${String(status)})`);
    },
    collectGarbage,
    dispose: async () => {
      sender.close();
      await stopChild(child);
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }
  });
}
