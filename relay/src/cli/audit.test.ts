// `veil-relay audit` on a real, migrated database holding rows shaped like the relay's own: it
// passes, and it fails on an unclassified table or column, on readable text where ciphertext
// belongs, on a hash of the wrong length, and on a relay key file others can read.
import { randomBytes } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signedUp } from '../auth/test-support/auth-client';
import { KEY_FILE } from '../secrets/relay-keys';
import { startRelay } from '../test-support/start-relay';
import { AUDIT_ALLOWLIST } from './audit-allowlist';
import { auditDatabase, ciphertextProblem } from './audit';
import { runCli } from './main';
import { recordingIo, type Scratch, scratchRelay, seedAccount } from './test-support/cli-fixtures';

let scratch: Scratch;

async function seedRelayData(): Promise<void> {
  const { db } = scratch.opened;
  const now = Date.now();
  const alice = await seedAccount(db, scratch.keys, { username: 'alice', devices: 2, blobs: 1 });
  await seedAccount(db, scratch.keys, { username: 'bob' });
  await db
    .insertInto('recovery_codes')
    .values({ account_id: alice.id, code_hash: randomBytes(32) })
    .execute();
  await db
    .insertInto('opaque_logins')
    .values({
      id: randomBytes(16).toString('base64url'),
      username: 'bob',
      server_state: scratch.keys.seal(randomBytes(160), 'opaque-login'),
      expires_at: now + 60_000,
    })
    .execute();
  for (let i = 0; i < 5; i += 1) {
    const { id } = await db
      .insertInto('envelopes')
      .values({
        client_id_hash: randomBytes(32),
        body: randomBytes(200 + i * 3000),
        created_at: now,
        expires_at: now + 86_400_000,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('deliveries')
      .values({
        account_id: alice.id,
        device_id: 1,
        seq: i + 1,
        envelope_id: id,
        key_record: randomBytes(48),
      })
      .execute();
  }
  await db
    .insertInto('submissions')
    .values({
      client_id_hash: randomBytes(32),
      digest: randomBytes(32),
      deliveries: 2,
      expires_at: now,
    })
    .execute();
}

beforeEach(async () => {
  scratch = await scratchRelay();
  await seedRelayData();
});

afterEach(async () => {
  await scratch.remove();
});

function audit() {
  return auditDatabase({ sqlite: scratch.opened.sqlite, dataDir: scratch.dataDir });
}

function problemsOf(report: Awaited<ReturnType<typeof audit>>): string[] {
  return report.tables.flatMap((table) =>
    table.columns.flatMap((column) =>
      column.problems.map((problem) => `${table.table}.${column.column}: ${problem}`),
    ),
  );
}

describe('veil-relay audit', () => {
  it('passes on a migrated database with rows, classifying every column it finds', async () => {
    const report = await audit();
    expect(problemsOf(report)).toEqual([]);
    expect(report.passed).toBe(true);
    const envelopes = report.tables.find((table) => table.table === 'envelopes')!;
    expect(envelopes.rows).toBe(5);
    expect(envelopes.columns.find((column) => column.column === 'body')).toMatchObject({
      rule: { class: 'ciphertext' },
      sampled: 5,
    });
    // Every table of the schema is classified; nothing in the allowlist is a stale guess.
    const found = new Set(report.tables.map((table) => table.table));
    for (const table of found) expect(AUDIT_ALLOWLIST).toHaveProperty([table]);

    const io = recordingIo(scratch.env);
    expect(await runCli(['audit'], io)).toBe(0);
    const printed = io.stdout.join('\n');
    expect(printed).toMatch(/totp_secret\s+sealed-by-relay-key/);
    expect(printed).toMatch(
      /device_id\s+readable-metadata\s+which device mailbox an envelope is for/,
    );
    expect(printed).toContain('relay.key');
    expect(printed).toContain('mode 0600 (owner only)');
    expect(io.stdout.at(-1)).toBe('audit passed');
  });

  it('fails on a column nobody classified, and on a new table', async () => {
    scratch.opened.sqlite.exec('alter table accounts add column phone_number text');
    const io = recordingIo(scratch.env);
    expect(await runCli(['audit'], io)).toBe(1);
    expect(io.stdout.join('\n')).toMatch(/phone_number\s+UNKNOWN/);
    expect(io.stdout.at(-1)).toBe('audit FAILED: 1 problem');

    scratch.opened.sqlite.exec('create table contacts (owner integer, name text)');
    const report = await audit();
    expect(report.passed).toBe(false);
    expect(report.tables.find((table) => table.table === 'contacts')?.known).toBe(false);
    expect(problemsOf(report)).toEqual([
      'accounts.phone_number: not in the audit allowlist',
      'contacts.owner: not in the audit allowlist',
      'contacts.name: not in the audit allowlist',
    ]);
  });

  it('fails when readable text sits in a ciphertext column', async () => {
    await scratch.opened.db
      .updateTable('envelopes')
      .set({
        body: Buffer.from('Meet me at the old bridge at nine tonight, and bring the papers.'),
      })
      .where('id', '=', 2)
      .execute();
    const report = await audit();
    expect(report.passed).toBe(false);
    expect(problemsOf(report)).toEqual([
      'envelopes.body: 1 of 5 sampled value(s) fail, e.g. 64 readable characters in a row',
    ]);
  });

  it('fails on plaintext stored as text, compressible structure, and a short hash', async () => {
    const { sqlite } = scratch.opened;
    sqlite
      .prepare('update accounts set key_backup = ? where username = ?')
      .run('{"k":"secret"}', 'bob');
    sqlite.prepare('update envelopes set body = ? where id = 3').run(Buffer.alloc(4096, 0x01));
    sqlite.prepare('update recovery_codes set code_hash = ?').run(randomBytes(16));
    expect(problemsOf(await audit())).toEqual([
      'accounts.key_backup: 1 value(s) stored as text or numbers, not bytes',
      'accounts.key_backup: 1 of 2 sampled value(s) fail, e.g. not bytes',
      expect.stringMatching(
        /^envelopes\.body: 1 of 5 sampled value\(s\) fail, e\.g\. compresses to \d%/,
      ),
      'recovery_codes.code_hash: 1 value(s) not 32 bytes long',
    ]);
  });

  it('fails when the relay key file is readable by others', async () => {
    await chmod(join(scratch.dataDir, KEY_FILE), 0o644);
    const io = recordingIo(scratch.env);
    expect(await runCli(['audit'], io)).toBe(1);
    expect(io.stdout.join('\n')).toContain(
      'mode 0644 — FAIL: group or others may read or change it',
    );
  });
});

describe('veil-relay audit on a running relay', () => {
  it('passes on what a real sign-up stored (OPAQUE record, session, activity)', async () => {
    const relay = await startRelay();
    try {
      await signedUp(relay, 'audited', 'correct horse battery staple');
      const report = await auditDatabase({ sqlite: relay.app.sqlite, dataDir: relay.dataDir });
      expect(problemsOf(report)).toEqual([]);
      const accounts = report.tables.find((table) => table.table === 'accounts')!;
      expect(accounts.rows).toBe(1);
      const passwords = report.tables.find((table) => table.table === 'password_records')!;
      expect(passwords.columns.find((column) => column.column === 'opaque_record')?.sampled).toBe(
        1,
      );
    } finally {
      await relay.stop();
    }
  });
});

describe('ciphertextProblem', () => {
  it('accepts random bytes of every size the relay stores', () => {
    for (let size = 1; size <= 70_000; size = Math.ceil(size * 1.3)) {
      for (let trial = 0; trial < 20; trial += 1) {
        expect(ciphertextProblem(randomBytes(size))).toBeNull();
      }
    }
  });

  it('flags short readable values and readable text inside random bytes', () => {
    expect(ciphertextProblem(Buffer.from('correct horse battery'))).toBe(
      'readable from end to end',
    );
    const text = Buffer.from('the quarterly numbers are attached, do not forward');
    const mixed = Buffer.concat([randomBytes(500), text, randomBytes(500)]);
    expect(ciphertextProblem(mixed)).toMatch(/readable characters in a row$/);
  });
});
