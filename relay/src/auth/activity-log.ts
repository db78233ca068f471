// The per-account security activity log (sign-ins, failures, lockouts, factor and device changes),
// readable by the account's owner. Entries hold a kind and a short fixed-vocabulary detail: never
// anything about messages or contacts, never an IP address. Exposed as `app.activity` so other
// parts of the relay (devices) record their events in the same place.
import type { ActivityEntry } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export interface RecordOptions {
  /** When it happened, if not now (a failed attempt noticed only after its login state expired). */
  readonly at?: number;
  /** The transaction to write in, so the entry commits (or not) with the change it describes. */
  readonly db?: Kysely<Database>;
}

export class ActivityLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(
    accountId: number,
    kind: string,
    detail: string | null = null,
    options: RecordOptions = {},
  ): Promise<void> {
    await (options.db ?? this.db)
      .insertInto('activity_log')
      .values({ account_id: accountId, at: options.at ?? Date.now(), kind, detail })
      .execute();
  }

  /** Newest first; `before` is the id of the oldest entry already shown. */
  async page(
    accountId: number,
    options: { before?: number | undefined; limit: number },
  ): Promise<{ entries: ActivityEntry[]; nextBefore: number | null }> {
    let query = this.db
      .selectFrom('activity_log')
      .select(['id', 'at', 'kind', 'detail'])
      .where('account_id', '=', accountId)
      .orderBy('id', 'desc')
      .limit(options.limit + 1);
    if (options.before !== undefined) query = query.where('id', '<', options.before);
    const rows = await query.execute();
    const entries = rows.slice(0, options.limit);
    const more = rows.length > options.limit;
    return { entries, nextBefore: more ? (entries.at(-1)?.id ?? null) : null };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    activity: ActivityLog;
  }
}

async function activity(app: FastifyInstance): Promise<void> {
  app.decorate('activity', new ActivityLog(app.db));
}

export default fp(activity, { name: 'activity', dependencies: ['database'] });
