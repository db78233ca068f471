// The real relay for the transport section: a fresh data directory seeded with accounts, each with
// one device and a live session bound to it (written straight into the relay's own schema, since
// signing up ten thousand accounts over OPAQUE would measure sign-up, not transport), then the
// relay as a separate process — its own event loop and its own memory, measured from outside.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@veil/relay/src/db/open-database';
import { newToken, sessionCookieName } from '@veil/relay/src/sessions/session-token';
import { startRelayProcess, type RelayProcess } from '@veil/relay/src/test-support/relay-process';

export interface SeededRelay {
  readonly relay: RelayProcess;
  /** The relay's process id, for reading its memory. */
  readonly pid: number;
  /** `Cookie` header of device i's session (devices 0..devices-1), and of the sender. */
  readonly deviceCookie: (index: number) => string;
  readonly senderCookie: string;
  /** Username of device i's account; every account has device 1 only. */
  readonly username: (index: number) => string;
  dispose(): Promise<void>;
}

const DAY_MS = 24 * 3600 * 1000;

export async function startSeededRelay(options: { devices: number }): Promise<SeededRelay> {
  const dataDir = await mkdtemp(join(tmpdir(), 'veil-bench-transport-'));
  const cookies = await seed(dataDir, options.devices + 1);
  const relay = await startRelayProcess(
    {
      VEIL_DATA_DIR: dataDir,
      // Sign-ups are closed: every account here was seeded.
      VEIL_REGISTRATION: 'closed',
    },
    // Memory per idle socket is read after a full collection (idle-and-storm.ts).
    { exposeGc: true },
  );
  return {
    relay,
    pid: relay.pid,
    deviceCookie: (index) => cookies[index]!,
    senderCookie: cookies[options.devices]!,
    username: (index) => usernameOf(index),
    dispose: async () => {
      await relay.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function usernameOf(index: number): string {
  return `load${String(index)}`;
}

/** Accounts load0..load{n-1}, device 1 each, a session bound to it; returns their Cookie headers. */
async function seed(dataDir: string, accounts: number): Promise<string[]> {
  const opened = await openDatabase(dataDir);
  const cookieName = sessionCookieName('http://');
  const now = Date.now();
  const insertAccount = opened.sqlite.prepare(
    'INSERT INTO accounts (username, created_at) VALUES (?, ?) RETURNING id',
  );
  const insertDevice = opened.sqlite.prepare(
    `INSERT INTO devices (account_id, device_id, identity_key, signing_key, certificate, created_at)
     VALUES (?, 1, ?, ?, ?, ?)`,
  );
  const insertSession = opened.sqlite.prepare(
    `INSERT INTO sessions
       (token_hash, account_id, device_id, auth_method, label, created_at, last_seen_at, expires_at)
     VALUES (?, ?, 1, 'password', 'bench', ?, ?, ?)`,
  );
  const cookies: string[] = [];
  opened.sqlite.transaction(() => {
    for (let i = 0; i < accounts; i++) {
      const { id } = insertAccount.get(usernameOf(i), now) as { id: number };
      insertDevice.run(id, Buffer.alloc(32, 1), Buffer.alloc(32, 2), Buffer.alloc(96, 3), now);
      const { token, hash } = newToken();
      insertSession.run(hash, id, now, now, now + DAY_MS);
      cookies.push(`${cookieName}=${token}`);
    }
  })();
  await opened.close();
  return cookies;
}
