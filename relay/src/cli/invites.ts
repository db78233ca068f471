// `veil-relay invites`: create, list and revoke invite codes (for VEIL_REGISTRATION=invite). The
// relay's own Invites service does the work on the database opened directly; the code is shown
// once, when it is made, and only its hash is kept.
import type { Kysely } from 'kysely';
import { type InviteSummary, Invites } from '../auth/invites';
import type { Database } from '../db/schema';
import { CliError, formatTable, formatTime } from './cli-io';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface CreateInviteOptions {
  readonly uses?: number;
  readonly days?: number;
}

export async function createInvite(
  db: Kysely<Database>,
  options: CreateInviteOptions = {},
): Promise<InviteSummary & { code: string }> {
  const uses = options.uses ?? 1;
  const days = options.days ?? 7;
  if (!Number.isSafeInteger(uses) || uses < 1 || uses > 10_000) {
    throw new CliError('--uses must be a whole number from 1 to 10000');
  }
  if (!Number.isSafeInteger(days) || days < 1 || days > 3650) {
    throw new CliError('--days must be a whole number from 1 to 3650');
  }
  return new Invites(db).create({ maxUses: uses, ttlMs: days * DAY_MS });
}

export function listInvites(db: Kysely<Database>): Promise<InviteSummary[]> {
  return new Invites(db).list();
}

export async function revokeInvite(db: Kysely<Database>, id: number): Promise<void> {
  if (!(await new Invites(db).revoke(id))) throw new CliError(`no invite with id ${id}`);
}

export function formatInvites(invites: readonly InviteSummary[], now = Date.now()): string[] {
  if (invites.length === 0) return ['no invites'];
  return formatTable(
    ['id', 'created', 'expires', 'uses', 'state'],
    invites.map((invite) => [
      String(invite.id),
      formatTime(invite.createdAt),
      formatTime(invite.expiresAt),
      `${invite.uses}/${invite.maxUses}`,
      invite.expiresAt <= now ? 'expired' : invite.uses >= invite.maxUses ? 'used up' : 'usable',
    ]),
  );
}
