// `veil-relay`: the relay's one command line. `serve` runs the relay; the admin commands open the
// same data directory's database directly (migrated first), so they work whether or not the relay
// is running. Arguments are parsed with node:util's parseArgs (Node 20; commander needs Node 22).
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { RELAY_VERSION } from '../version';
import { auditDatabase, formatAudit } from './audit';
import { backupDatabase } from './backup';
import {
  type CliIo,
  CliError,
  EXIT,
  formatTable,
  formatTime,
  processIo,
  readConfig,
  withDatabase,
} from './cli-io';
import { createInvite, formatInvites, listInvites, revokeInvite } from './invites';
import { deleteUser, listUsers, setUserStatus } from './users';

export const USAGE = `veil-relay ${RELAY_VERSION}: Veil's zero-knowledge relay

Usage: veil-relay <command> [options]

  serve                           run the relay (API, WebSocket and the PWA)
  cert [--host NAME]... [--days D] [--force]
                                  make a self-signed certificate for trying Veil on the LAN
  users list                      accounts: name, created, status, devices, last seen
  users disable <name>            block sign-in and sign the account out everywhere
  users enable <name>             allow sign-in again
  users delete <name> --yes       delete the account, its sessions, keys, mailbox and blobs
  invites create [--uses N] [--days D]
                                  make an invite code (shown once)
  invites list                    invites: id, dates, uses
  invites revoke <id>             delete an invite
  backup <file>                   copy the database, consistently, to a new owner-only file
  audit                           what the database would reveal if stolen; exit 1 on problems
  version                         print the version
  help                            print this help

Configuration comes from VEIL_CONFIG (a JSON file) and VEIL_* environment variables, the same for
every command; docs/self-hosting.md lists them.`;

type Args = readonly string[];

/** parseArgs with our options; unknown options and missing values are usage errors. */
function parse<const O extends NonNullable<ParseArgsConfig['options']>>(args: Args, options: O) {
  try {
    return parseArgs({
      args: [...args],
      options,
      allowPositionals: true as const,
      strict: true as const,
    });
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
}

function wholeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(value)) throw new CliError(`${name} must be a whole number`, EXIT.usage);
  return Number(value);
}

function onePositional(positionals: readonly string[], what: string): string {
  if (positionals.length !== 1) throw new CliError(`expected ${what}`, EXIT.usage);
  return positionals[0]!;
}

async function users(args: Args, io: CliIo): Promise<number> {
  const [action = '', ...rest] = args;
  const { values, positionals } = parse(rest, { yes: { type: 'boolean' } });
  const config = readConfig(io.env);
  switch (action) {
    case 'list': {
      if (positionals.length > 0) throw new CliError('users list takes no arguments', EXIT.usage);
      const rows = await withDatabase(config, ({ db }) => listUsers(db));
      if (rows.length === 0) io.out('no accounts');
      else {
        const table = formatTable(
          ['username', 'created', 'status', 'devices', 'last seen'],
          rows.map((row) => [
            row.username,
            formatTime(row.createdAt),
            row.status,
            String(row.devices),
            formatTime(row.lastSeenAt),
          ]),
        );
        for (const line of table) io.out(line);
      }
      return EXIT.ok;
    }
    case 'disable':
    case 'enable': {
      const name = onePositional(positionals, `users ${action} <name>`);
      const status = action === 'disable' ? 'disabled' : 'active';
      await withDatabase(config, ({ db }) => setUserStatus(db, name, status));
      io.out(action === 'disable' ? `disabled ${name} and signed it out` : `enabled ${name}`);
      return EXIT.ok;
    }
    case 'delete': {
      const name = onePositional(positionals, 'users delete <name> --yes');
      if (values.yes !== true) {
        throw new CliError(
          `this deletes ${name} with its keys, mailbox and attachments, for good; add --yes`,
          EXIT.usage,
        );
      }
      const deleted = await withDatabase(config, ({ db }) =>
        deleteUser({ db, dataDir: config.dataDir, username: name }),
      );
      io.out(
        `deleted ${name}: ${deleted.sessions} session(s) revoked, ${deleted.devices} device(s), ` +
          `${deleted.blobFiles} attachment file(s) removed`,
      );
      return EXIT.ok;
    }
    default:
      throw new CliError('users takes list, disable, enable or delete', EXIT.usage);
  }
}

async function invites(args: Args, io: CliIo): Promise<number> {
  const [action = '', ...rest] = args;
  const { values, positionals } = parse(rest, {
    uses: { type: 'string' },
    days: { type: 'string' },
  });
  const config = readConfig(io.env);
  switch (action) {
    case 'create': {
      if (positionals.length > 0)
        throw new CliError('invites create takes no arguments', EXIT.usage);
      const uses = wholeNumber('--uses', values.uses);
      const days = wholeNumber('--days', values.days);
      const invite = await withDatabase(
        config,
        ({ db }) =>
          createInvite(db, {
            ...(uses === undefined ? {} : { uses }),
            ...(days === undefined ? {} : { days }),
          }),
        { create: true },
      );
      io.out(invite.code);
      io.err(
        `invite ${invite.id}: ${invite.maxUses} use(s) until ${formatTime(invite.expiresAt)}. ` +
          'The code is shown only now.',
      );
      if (config.registration !== 'invite') {
        const mode = JSON.stringify(config.registration);
        io.err(`note: invites count only with VEIL_REGISTRATION=invite; it is ${mode} now`);
      }
      return EXIT.ok;
    }
    case 'list': {
      const list = await withDatabase(config, ({ db }) => listInvites(db));
      for (const line of formatInvites(list)) io.out(line);
      return EXIT.ok;
    }
    case 'revoke': {
      const id = wholeNumber('the invite id', onePositional(positionals, 'invites revoke <id>'))!;
      await withDatabase(config, ({ db }) => revokeInvite(db, id));
      io.out(`revoked invite ${id}`);
      return EXIT.ok;
    }
    default:
      throw new CliError('invites takes create, list or revoke', EXIT.usage);
  }
}

async function backup(args: Args, io: CliIo): Promise<number> {
  const { positionals } = parse(args, {});
  const file = onePositional(positionals, 'backup <file>');
  const config = readConfig(io.env);
  const result = await withDatabase(config, ({ sqlite }) => backupDatabase(sqlite, file));
  io.out(`backed up the database to ${result.file} (${result.pages} pages, mode 0600)`);
  io.err(
    'note: relay.key is not in the backup; without it the copy cannot sign anyone in. ' +
      'Back it up separately, and keep it apart from the database copies.',
  );
  return EXIT.ok;
}

async function audit(args: Args, io: CliIo): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length > 0) throw new CliError('audit takes no arguments', EXIT.usage);
  const config = readConfig(io.env);
  const report = await withDatabase(config, ({ sqlite }) =>
    auditDatabase({ sqlite, dataDir: config.dataDir }),
  );
  for (const line of formatAudit(report)) io.out(line);
  return report.passed ? EXIT.ok : EXIT.failed;
}

async function cert(args: Args, io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    host: { type: 'string', multiple: true },
    days: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new CliError('cert takes no arguments', EXIT.usage);
  const config = readConfig(io.env);
  const days = wholeNumber('--days', values.days);
  const { createCertificate, formatCertResult } = await import('./cert');
  const result = await createCertificate({
    dataDir: config.dataDir,
    hosts: values.host ?? [],
    force: values.force === true,
    ...(days === undefined ? {} : { days }),
  });
  for (const line of formatCertResult(result, config.port)) io.out(line);
  return EXIT.ok;
}

/** Runs one command; resolves to the process exit code (serve resolves once it listens). */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command = 'help', ...args] = argv;
  try {
    switch (command) {
      case 'serve': {
        parse(args, {});
        // Loaded on demand, like cert's X.509 code: `version` and the admin commands start faster.
        const { serve } = await import('./serve');
        return await serve(io);
      }
      case 'cert':
        return await cert(args, io);
      case 'users':
        return await users(args, io);
      case 'invites':
        return await invites(args, io);
      case 'backup':
        return await backup(args, io);
      case 'audit':
        return await audit(args, io);
      case 'version':
      case '--version':
      case '-v':
        io.out(RELAY_VERSION);
        return EXIT.ok;
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return EXIT.ok;
      default:
        throw new CliError(
          `unknown command ${JSON.stringify(command)}; see veil-relay help`,
          EXIT.usage,
        );
    }
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.err(`veil-relay: ${error.message}`);
    return error.exitCode;
  }
}
