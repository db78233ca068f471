// `veil-relay invites` on a real database: the code printed once works with the relay's own
// Invites service, and a revoked one does not.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Invites } from '../auth/invites';
import { runCli } from './main';
import { recordingIo, type Scratch, scratchRelay } from './test-support/cli-fixtures';

let scratch: Scratch;

beforeEach(async () => {
  scratch = await scratchRelay();
});

afterEach(async () => {
  await scratch.remove();
});

describe('veil-relay invites', () => {
  it('creates a code usable the given number of times, lists it, and revokes it', async () => {
    const invites = new Invites(scratch.opened.db);
    const io = recordingIo({ ...scratch.env, VEIL_REGISTRATION: 'invite' });
    expect(await runCli(['invites', 'create', '--uses', '3', '--days', '2'], io)).toBe(0);
    const code = io.stdout[0]!;
    expect(code).toMatch(/^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/);
    expect(io.stderr.join('\n')).not.toContain(code);
    expect(await invites.isUsable(code)).toBe(true);

    const [summary] = await invites.list();
    expect(summary!.maxUses).toBe(3);
    expect(summary!.expiresAt - summary!.createdAt).toBe(2 * 24 * 60 * 60 * 1000);

    const listed = recordingIo(scratch.env);
    expect(await runCli(['invites', 'list'], listed)).toBe(0);
    expect(listed.stdout[1]).toMatch(new RegExp(`^${summary!.id}\\s.*\\s0/3\\s+usable$`));
    expect(listed.stdout.join('\n')).not.toContain(code);

    expect(await runCli(['invites', 'revoke', String(summary!.id)], io)).toBe(0);
    expect(await invites.isUsable(code)).toBe(false);
    expect(await runCli(['invites', 'revoke', String(summary!.id)], io)).toBe(1);
    expect(io.stderr.at(-1)).toContain(`no invite with id ${summary!.id}`);
  });

  it('defaults to one use for a week, and refuses bad numbers', async () => {
    const io = recordingIo(scratch.env);
    expect(await runCli(['invites', 'create'], io)).toBe(0);
    const [summary] = await new Invites(scratch.opened.db).list();
    expect(summary!.maxUses).toBe(1);
    expect(summary!.expiresAt - summary!.createdAt).toBe(7 * 24 * 60 * 60 * 1000);
    expect(io.stderr.join('\n')).toContain('VEIL_REGISTRATION=invite');

    expect(await runCli(['invites', 'create', '--uses', '0'], io)).toBe(1);
    expect(await runCli(['invites', 'create', '--uses', 'many'], io)).toBe(2);
    expect(await runCli(['invites', 'create', '--bogus'], io)).toBe(2);
    expect(await new Invites(scratch.opened.db).list()).toHaveLength(1);
  });
});
