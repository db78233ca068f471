// Prepared statements kept across queries. Kysely's SQLite driver prepares every query it runs,
// and preparing (parsing and planning the SQL) cost as much as running the statement on the
// mailbox's hot path (bench: relay-store). Kysely compiles the same query shape to the same SQL
// text with its values as parameters, so a small cache keyed by that text serves nearly every
// query after the first. Statements can be reused as soon as the previous call returned (all
// calls are synchronous, and Kysely runs one query at a time on its one connection); SQLite
// re-prepares a cached statement by itself if a migration changed the schema under it.
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept; `in (...)` lists of varying length are the main source of new ones. */
const DEFAULT_SIZE = 500;

export function withStatementCache(sqlite: SQLite.Database, size = DEFAULT_SIZE): SqliteDatabase {
  // A Map iterates in insertion order, so re-inserting on use makes its first key the least
  // recently used one.
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      const cached = cache.get(sql);
      if (cached !== undefined) {
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}
