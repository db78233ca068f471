// Row chunks for multi-row statements and `in (...)` lists, sized for prepared-statement reuse.

/** Rows per multi-row statement at most: well under SQLite's and Postgres's parameter limits. */
const CHUNK = 256;

/**
 * Splits rows into chunks whose sizes are powers of two (200 rows: 128, 64, 8). Each distinct
 * row count is a distinct SQL text, so batches of every size would keep preparing new statements;
 * with powers of two, each statement has at most nine shapes and they all stay prepared
 * (db/statement-cache.ts).
 */
export function sqlChunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  while (at < rows.length) {
    let size = CHUNK;
    while (size > rows.length - at) size >>= 1;
    out.push(rows.slice(at, at + size));
    at += size;
  }
  return out;
}
