// The entry points as an operator runs them (`pnpm start` and the `veil-relay` bin): a real
// process, real signals, real stdout and stderr.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import relayPackage from '../package.json' with { type: 'json' };

const relayDir = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  readonly exitCode: Promise<number | null>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly kill: (signal: NodeJS.Signals) => void;
}

const SERVER = ['--import', 'tsx', 'src/server.ts'];

function startRelay(env: Record<string, string>, args: readonly string[] = SERVER): Run {
  const child = spawn(process.execPath, [...args], {
    cwd: relayDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return {
    exitCode: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    stdout: () => stdout,
    stderr: () => stderr,
    kill: (signal) => child.kill(signal),
  };
}

async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'veil-server-test-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('relay entry point', () => {
  it('refuses bad configuration with a clear message and exit code 1', async () => {
    const run = startRelay({ VEIL_PORT: 'eighty', VEIL_DATA_DIR: join(scratch, 'unused') });
    expect(await run.exitCode).toBe(1);
    expect(run.stderr()).toContain('veil-relay: Invalid relay configuration:');
    expect(run.stderr()).toContain('VEIL_PORT must be a port number from 0 to 65535');
    expect(run.stderr()).not.toMatch(/\n\s+at /); // no stack trace
  }, 30_000);

  it('creates its data directory, listens, and shuts down cleanly on SIGTERM', async () => {
    const dataDir = join(scratch, 'data');
    const run = startRelay({ VEIL_PORT: '0', VEIL_DATA_DIR: dataDir, VEIL_LOG_LEVEL: 'info' });
    await waitFor(() => run.stdout().includes('Server listening at'), 'the relay to listen');
    const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout())?.[1];
    expect(url).toBeDefined();
    const ready = await fetch(`${url!}/readyz`);
    expect(ready.status).toBe(200);

    run.kill('SIGTERM');
    expect(await run.exitCode).toBe(0);
    expect(run.stdout()).toContain('"signal":"SIGTERM"');
    expect(run.stderr()).toBe('');
  }, 30_000);
});

describe('veil-relay bin', () => {
  const bin = (...args: string[]): string[] => ['bin/veil-relay.js', ...args];

  it('prints its version and help, and refuses an unknown command with exit code 2', async () => {
    // Side by side: each process spends most of its time loading TypeScript through tsx.
    const version = startRelay({}, bin('version'));
    const help = startRelay({}, bin('help'));
    const unknown = startRelay({}, bin('frobnicate'));

    expect(await version.exitCode).toBe(0);
    expect(version.stdout()).toBe(`${relayPackage.version}\n`);
    expect(await help.exitCode).toBe(0);
    expect(help.stdout()).toContain('veil-relay <command>');
    expect(help.stdout()).toContain('users delete <name> --yes');
    expect(await unknown.exitCode).toBe(2);
    expect(unknown.stderr()).toBe(
      'veil-relay: unknown command "frobnicate"; see veil-relay help\n',
    );
  }, 30_000);

  it('serves with `serve`, answers an admin command meanwhile, and stops on SIGINT', async () => {
    const dataDir = join(scratch, 'bin-data');
    const env = { VEIL_PORT: '0', VEIL_DATA_DIR: dataDir, VEIL_LOG_LEVEL: 'info' };
    const run = startRelay(env, bin('serve'));
    await waitFor(() => run.stdout().includes('Server listening at'), 'the relay to listen');
    const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout())?.[1];
    expect((await fetch(`${url!}/readyz`)).status).toBe(200);

    const users = startRelay(env, bin('users', 'list'));
    expect(await users.exitCode).toBe(0);
    expect(users.stdout()).toBe('no accounts\n');

    run.kill('SIGINT');
    expect(await run.exitCode).toBe(0);
    expect(run.stdout()).toContain('"signal":"SIGINT"');
    expect(run.stderr()).toBe('');
  }, 40_000);
});
