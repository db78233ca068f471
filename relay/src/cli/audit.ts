// `veil-relay audit`: what a thief holding the database would learn, column by column, checked
// against the allowlist in audit-allowlist.ts. It reads the live schema (sqlite_master and
// table_info, not our TypeScript types), so a column someone added without classifying it fails
// the audit. It then checks content: client and relay ciphertext must be stored as bytes and look
// like ciphertext (no long runs of readable text, no compressible structure), hashes must have a
// digest's length. Finally the relay key file must be owner-only.
//
// This is the one place that speaks SQLite's own catalog instead of Kysely: it audits the SQLite
// file itself, which is what would be stolen.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type SQLite from 'better-sqlite3';
import { DATABASE_FILE } from '../db/open-database';
import { KEY_FILE } from '../secrets/relay-keys';
import { AUDIT_ALLOWLIST, COLUMN_CLASSES, type ColumnRule } from './audit-allowlist';

/** Rows sampled per column for content checks, and how much of each value is looked at. */
export const AUDIT_SAMPLE_ROWS = 64;
const SAMPLE_BYTES = 64 * 1024;
/** Readable ASCII this long in a row is text, not ciphertext (random bytes: ~1e-14 per position). */
const PRINTABLE_RUN = 32;
/** Shorter values are flagged only when readable from end to end. */
const SHORT_VALUE = 16;
/** Ciphertext does not compress; anything shrinking below this ratio has structure or text. */
const MIN_DEFLATE_RATIO = 0.9;
const DEFLATE_FROM_BYTES = 256;
const SEAL_VERSION = 1;
const SEAL_OVERHEAD = 1 + 12 + 16;

export interface ColumnAudit {
  readonly table: string;
  readonly column: string;
  /** Null when the column is not in the allowlist (which fails the audit). */
  readonly rule: ColumnRule | null;
  readonly sampled: number;
  readonly problems: readonly string[];
}

export interface TableAudit {
  readonly table: string;
  readonly rows: number;
  readonly known: boolean;
  readonly columns: readonly ColumnAudit[];
}

export interface FileAudit {
  readonly file: string;
  /** Permission bits, or null when the file does not exist. */
  readonly mode: number | null;
  readonly problem: string | null;
}

export interface AuditReport {
  readonly tables: readonly TableAudit[];
  readonly keyFile: FileAudit;
  readonly databaseFile: FileAudit;
  readonly problems: number;
  readonly passed: boolean;
}

export interface AuditOptions {
  readonly sqlite: SQLite.Database;
  readonly dataDir: string;
  readonly allowlist?: typeof AUDIT_ALLOWLIST;
  readonly sampleRows?: number;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

function isPrintable(byte: number): boolean {
  return (byte >= 0x20 && byte <= 0x7e) || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function longestPrintableRun(bytes: Uint8Array): number {
  let longest = 0;
  let run = 0;
  for (const byte of bytes) {
    run = isPrintable(byte) ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

/** Why `value` does not look like ciphertext, or null if it does. */
export function ciphertextProblem(value: Uint8Array): string | null {
  const run = longestPrintableRun(value);
  if (run >= PRINTABLE_RUN) return `${run} readable characters in a row`;
  if (value.length >= SHORT_VALUE && run === value.length) return 'readable from end to end';
  if (value.length >= DEFLATE_FROM_BYTES) {
    const ratio = deflateRawSync(value).length / value.length;
    if (ratio < MIN_DEFLATE_RATIO) {
      return `compresses to ${Math.round(ratio * 100)}% (ciphertext does not compress)`;
    }
  }
  return null;
}

function countWhere(sqlite: SQLite.Database, table: string, condition: string): number {
  const row = sqlite
    .prepare(`select count(*) as n from ${quote(table)} where ${condition}`)
    .get() as {
    n: number;
  };
  return row.n;
}

function sample(
  sqlite: SQLite.Database,
  table: string,
  column: string,
  rows: number,
): { value: unknown }[] {
  // Rows are picked by rowid first, so choosing them does not read every large value.
  const col = quote(column);
  return sqlite
    .prepare(
      `select substr(${col}, 1, ${SAMPLE_BYTES}) as value from ${quote(table)} where rowid in ` +
        `(select rowid from ${quote(table)} where ${col} is not null order by random() limit ?)`,
    )
    .all(rows) as { value: unknown }[];
}

/** Whole-column checks (every row, in SQL) and sampled content checks for one classified column. */
function checkColumn(
  sqlite: SQLite.Database,
  table: string,
  column: string,
  rule: ColumnRule,
  sampleRows: number,
): { sampled: number; problems: string[] } {
  const problems: string[] = [];
  const col = quote(column);
  const binary =
    rule.class === COLUMN_CLASSES.ciphertext ||
    rule.class === COLUMN_CLASSES.sealed ||
    rule.class === COLUMN_CLASSES.hash ||
    rule.class === COLUMN_CLASSES.publicKey;
  if (binary) {
    const notBytes = countWhere(sqlite, table, `${col} is not null and typeof(${col}) != 'blob'`);
    if (notBytes > 0) problems.push(`${notBytes} value(s) stored as text or numbers, not bytes`);
  }
  if (rule.bytes !== undefined) {
    const wrong = countWhere(
      sqlite,
      table,
      `${col} is not null and length(${col}) != ${rule.bytes}`,
    );
    if (wrong > 0) problems.push(`${wrong} value(s) not ${rule.bytes} bytes long`);
  }
  if (rule.class === COLUMN_CLASSES.passwordVerifier) {
    const notText = countWhere(sqlite, table, `${col} is not null and typeof(${col}) != 'text'`);
    if (notText > 0) problems.push(`${notText} value(s) not stored as text`);
  }

  const contentChecked =
    rule.class === COLUMN_CLASSES.ciphertext ||
    rule.class === COLUMN_CLASSES.sealed ||
    rule.class === COLUMN_CLASSES.passwordVerifier;
  if (!contentChecked) return { sampled: 0, problems };

  const values = sample(sqlite, table, column, sampleRows);
  let flagged = 0;
  let firstReason: string | null = null;
  for (const { value } of values) {
    let reason: string | null = null;
    if (rule.class === COLUMN_CLASSES.passwordVerifier) {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]{64,}={0,2}$/.test(value)) {
        reason = 'not a base64 OPAQUE record';
      }
    } else if (!(value instanceof Uint8Array)) {
      reason = 'not bytes';
    } else if (
      rule.class === COLUMN_CLASSES.sealed &&
      (value.length < SEAL_OVERHEAD || value[0] !== SEAL_VERSION)
    ) {
      reason = 'not a relay-key sealed value (version byte, nonce, tag)';
    } else {
      reason = ciphertextProblem(value);
    }
    if (reason !== null) {
      flagged += 1;
      firstReason ??= reason;
    }
  }
  if (firstReason !== null) {
    problems.push(`${flagged} of ${values.length} sampled value(s) fail, e.g. ${firstReason}`);
  }
  return { sampled: values.length, problems };
}

async function fileMode(file: string, check: (mode: number) => string | null): Promise<FileAudit> {
  try {
    const mode = (await stat(file)).mode & 0o777;
    return { file, mode, problem: check(mode) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { file, mode: null, problem: null };
    throw error;
  }
}

export async function auditDatabase(options: AuditOptions): Promise<AuditReport> {
  const { sqlite, dataDir } = options;
  const allowlist = options.allowlist ?? AUDIT_ALLOWLIST;
  const sampleRows = options.sampleRows ?? AUDIT_SAMPLE_ROWS;
  const tableNames = (
    sqlite.prepare(`select name from sqlite_master where type = 'table' order by name`).all() as {
      name: string;
    }[]
  ).map((row) => row.name);

  let problems = 0;
  const tables: TableAudit[] = [];
  for (const table of tableNames) {
    const rules = allowlist[table];
    const columnNames = (sqlite.pragma(`table_info(${quote(table)})`) as { name: string }[]).map(
      (row) => row.name,
    );
    const { n: rows } = sqlite.prepare(`select count(*) as n from ${quote(table)}`).get() as {
      n: number;
    };
    const columns: ColumnAudit[] = columnNames.map((column) => {
      const rule = rules?.[column] ?? null;
      if (rule === null) {
        return { table, column, rule, sampled: 0, problems: ['not in the audit allowlist'] };
      }
      return { table, column, rule, ...checkColumn(sqlite, table, column, rule, sampleRows) };
    });
    for (const column of columns) problems += column.problems.length;
    tables.push({ table, rows, known: rules !== undefined, columns });
  }

  const keyFile = await fileMode(join(dataDir, KEY_FILE), (mode) =>
    (mode & 0o077) === 0 ? null : 'group or others may read or change it: run chmod 600 on it',
  );
  if (keyFile.problem !== null) problems += 1;
  // The database's own mode is reported, not failed: a thief is assumed to have it anyway.
  const databaseFile = await fileMode(join(dataDir, DATABASE_FILE), (mode) =>
    (mode & 0o077) === 0 ? null : 'readable beyond its owner (consider chmod 600)',
  );
  return { tables, keyFile, databaseFile, problems, passed: problems === 0 };
}

const octal = (mode: number | null): string =>
  mode === null ? 'missing' : `mode ${mode.toString(8).padStart(4, '0')}`;

/** The report as the terminal shows it. */
export function formatAudit(report: AuditReport): string[] {
  const lines = [
    'What a thief holding this database (but not relay.key) would learn, column by column:',
  ];
  const width = Math.max(
    0,
    ...report.tables.flatMap((table) => table.columns.map((column) => column.column.length)),
  );
  const classWidth = Math.max(...Object.values(COLUMN_CLASSES).map((name) => name.length));
  for (const table of report.tables) {
    lines.push('');
    const heading = `${table.table} (${table.rows} row${table.rows === 1 ? '' : 's'})`;
    lines.push(
      table.known
        ? heading
        : `${heading} — UNKNOWN TABLE: classify it in relay/src/cli/audit-allowlist.ts`,
    );
    for (const column of table.columns) {
      const what =
        column.rule === null ? 'UNKNOWN'.padEnd(classWidth) : column.rule.class.padEnd(classWidth);
      const note = column.rule?.note ?? 'not classified';
      const checked = column.sampled > 0 ? ` [${column.sampled} sampled]` : '';
      lines.push(`  ${column.column.padEnd(width)}  ${what}  ${note}${checked}`);
      for (const problem of column.problems) lines.push(`  ${''.padEnd(width)}  FAIL: ${problem}`);
    }
  }
  lines.push('');
  const { keyFile, databaseFile } = report;
  lines.push(
    keyFile.mode === null
      ? `relay key file ${keyFile.file}: missing (the relay creates it on first start)`
      : `relay key file ${keyFile.file}: ${octal(keyFile.mode)}${keyFile.problem === null ? ' (owner only)' : ` — FAIL: ${keyFile.problem}`}`,
  );
  lines.push(
    `database file ${databaseFile.file}: ${octal(databaseFile.mode)}${databaseFile.problem === null ? '' : ` — warning: ${databaseFile.problem}`}`,
  );
  lines.push(
    report.passed
      ? 'audit passed'
      : `audit FAILED: ${report.problems} problem${report.problems === 1 ? '' : 's'}`,
  );
  return lines;
}
