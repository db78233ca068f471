// `veil-relay backup`: a consistent, owner-only copy that opens as a database, never overwriting.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './main';
import { recordingIo, type Scratch, scratchRelay, seedAccount } from './test-support/cli-fixtures';

let scratch: Scratch;

beforeEach(async () => {
  scratch = await scratchRelay();
});

afterEach(async () => {
  await scratch.remove();
});

describe('veil-relay backup', () => {
  it('writes a 0600 copy that opens and holds the accounts', async () => {
    await seedAccount(scratch.opened.db, scratch.keys, { username: 'grace', devices: 2 });
    const file = join(scratch.dir, 'veil-backup.db');
    const io = recordingIo(scratch.env);
    expect(await runCli(['backup', file], io)).toBe(0);
    expect(io.stderr.join('\n')).toContain('relay.key is not in the backup');
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const copy = new SQLite(file, { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.prepare('select username from accounts').all()).toEqual([{ username: 'grace' }]);
      expect(copy.prepare('select count(*) as n from devices').get()).toEqual({ n: 2 });
    } finally {
      copy.close();
    }
  });

  it('refuses to overwrite an existing file', async () => {
    const file = join(scratch.dir, 'precious');
    await writeFile(file, 'keep me');
    const io = recordingIo(scratch.env);
    expect(await runCli(['backup', file], io)).toBe(1);
    expect(io.stderr[0]).toContain('exists; choose a new file name');
    expect(await readFile(file, 'utf8')).toBe('keep me');
    expect(await runCli(['backup'], io)).toBe(2);
  });
});
