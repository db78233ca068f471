// The relay as a separate process on 127.0.0.1 (a free port), for tests that must kill it for real.
// `stop()` and `kill()` both wait for the exit; a test that forgets to stop it is cleaned up by
// the afterAll that owns the process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gcOverStdin } from './gc-over-stdin';

const relayDir = fileURLToPath(new URL('../..', import.meta.url));

export interface RelayProcess {
  readonly baseUrl: string;
  readonly origin: string;
  readonly pid: number;
  readonly output: () => string;
  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful path. */
  stop(): Promise<void>;
  /** A full garbage collection in the relay; only for a process started with `exposeGc`. */
  collectGarbage(): Promise<void>;
}

export interface RelayProcessOptions {
  /** Node's --expose-gc, and stdin kept open for `collectGarbage`. */
  readonly exposeGc?: boolean;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

export async function startRelayProcess(
  env: Record<string, string>,
  options: RelayProcessOptions = {},
): Promise<RelayProcess> {
  return (await standbyRelayProcess(env, options)).start();
}

/** A relay process with its modules loaded, serving once `start()` is called. */
export interface StandbyRelay {
  start(): Promise<RelayProcess>;
  /** For a standby that is never started. */
  discard(): Promise<void>;
}

/**
 * Spawns a relay that loads everything and then waits: restarting after a kill is then as quick
 * as opening the database (tests that kill the relay again and again keep one standing by).
 */
export async function standbyRelayProcess(
  env: Record<string, string>,
  options: RelayProcessOptions = {},
): Promise<StandbyRelay> {
  const origin = 'http://127.0.0.1:8080';
  const flags = options.exposeGc === true ? ['--expose-gc'] : [];
  const child = spawn(
    process.execPath,
    [...flags, '--import', 'tsx', 'src/test-support/standby-server.ts'],
    {
      cwd: relayDir,
      env: {
        ...process.env,
        VEIL_HOST: '127.0.0.1',
        VEIL_PORT: '0',
        VEIL_LOG_LEVEL: 'info',
        VEIL_ORIGIN: origin,
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = options.exposeGc === true ? gcOverStdin(child) : undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const handle: RelayProcess = {
    baseUrl: '',
    origin,
    pid: child.pid!,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
    async collectGarbage() {
      if (collect === undefined) throw new Error('the relay was started without exposeGc');
      await collect();
    },
  };
  return {
    async start() {
      if (options.exposeGc === true) child.stdin.write('start\n');
      else child.stdin.end('start\n');
      // Only there so a broken relay fails the test instead of hanging it. The first start of a
      // run comes right after the spawn, so it includes loading every module under tsx: during a
      // soak run on the loaded machine (load average 25) that alone took over the minute this
      // used to allow.
      const deadline = Date.now() + 180_000;
      let baseUrl: string | undefined;
      while (baseUrl === undefined) {
        baseUrl = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
        if (child.exitCode !== null) throw new Error(`relay exited early:\n${output}`);
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`relay did not start:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { ...handle, baseUrl };
    },
    discard: () => handle.kill(),
  };
}
