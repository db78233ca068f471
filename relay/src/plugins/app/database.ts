// Opens the SQLite database (migrated to the latest schema) and exposes it as `app.db` (Kysely).
// Repositories and routes speak Kysely, so a Postgres dialect can replace SQLite later; the one
// exception is the mailbox's write path (mailbox/write-submissions.ts, apply-acks.ts), which runs
// fixed statements synchronously on the raw handle for speed and would get a Postgres writer of
// its own.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import { openDatabase, type OpenedDatabase } from '../../db/open-database';
import type { Database } from '../../db/schema';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>;
    /** The raw better-sqlite3 handle: the online backup, integrity checks, the mailbox's writes. */
    sqlite: OpenedDatabase['sqlite'];
  }
}

async function database(app: FastifyInstance, options: { dataDir: string }): Promise<void> {
  const opened = await openDatabase(options.dataDir);
  app.decorate('db', opened.db);
  app.decorate('sqlite', opened.sqlite);
  // Registered first among app plugins, so Fastify closes it last (hooks run in reverse order).
  app.addHook('onClose', async () => opened.close());
}

export default fp(database, { name: 'database' });
