// What every `veil-relay` command shares: where its output goes (injectable, so tests run commands
// in-process and read what they printed), the configuration, and the database opened directly.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Config, loadConfig } from '../config';
import { DATABASE_FILE, type OpenedDatabase, openDatabase } from '../db/open-database';
import { RelayConfigError } from '../errors';

export interface CliIo {
  /** Writes one line (a newline is added) to standard output. */
  readonly out: (line: string) => void;
  /** Writes one line to standard error. */
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake the operator can fix; printed as `veil-relay: <message>` without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
  };
}

/** The configuration from VEIL_CONFIG and VEIL_* variables, or a CliError saying what is wrong. */
export function readConfig(env: CliIo['env']): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof RelayConfigError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * Runs `task` on the relay's database, migrated to the latest schema, and closes it. Safe while
 * the relay runs (SQLite WAL; writers wait for each other). Unless `create` is set, a missing
 * database is an error: a typo in VEIL_DATA_DIR must not look like an empty relay.
 */
export async function withDatabase<T>(
  config: Config,
  task: (opened: OpenedDatabase) => Promise<T>,
  options: { create?: boolean } = {},
): Promise<T> {
  if (!existsSync(join(config.dataDir, DATABASE_FILE))) {
    if (options.create !== true) {
      throw new CliError(
        `no database at ${join(config.dataDir, DATABASE_FILE)}: check VEIL_DATA_DIR, or start the relay once`,
      );
    }
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  }
  const opened = await openDatabase(config.dataDir);
  try {
    return await task(opened);
  } finally {
    await opened.close();
  }
}

/** A millisecond timestamp as an ISO date and time to the minute, in UTC; '-' for none. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** Rows as left-aligned columns under a header, for terminals. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
