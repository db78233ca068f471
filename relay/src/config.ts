// The relay's configuration, read once at boot from an optional JSON file (VEIL_CONFIG) and VEIL_*
// environment variables (which win), and validated, so that a typo stops the relay with a message
// naming the setting instead of failing later.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { RelayConfigError } from './errors';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const REGISTRATION_MODES = ['open', 'invite', 'closed'] as const;

const MIB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

export const ConfigSchema = Type.Object({
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65_535 }),
  dataDir: Type.String({ minLength: 1 }),
  webDir: Type.String({ minLength: 1 }),
  logLevel: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level))),
  /** Who may create an account: anyone, holders of an invite code, or nobody. */
  registration: Type.Union(REGISTRATION_MODES.map((mode) => Type.Literal(mode))),
  /** The origin people open Veil at (scheme://host[:port]); WebAuthn and cookies are bound to it. */
  publicOrigin: Type.String({ pattern: '^https?://[^/\\s]+$' }),
  /** Origins allowed to call the API and open WebSockets (always includes publicOrigin). */
  allowedOrigins: Type.Array(Type.String({ pattern: '^https?://[^/\\s]+$' })),
  /** WebAuthn relying-party id: publicOrigin's host name unless set. */
  rpId: Type.String({ minLength: 1 }),
  tlsCert: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  tlsKey: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  /** Trust X-Forwarded-* from this many proxy hops (0 = none), for client addresses in rate limits. */
  trustProxy: Type.Integer({ minimum: 0, maximum: 10 }),
  sessionTtlMs: Type.Integer({ minimum: 60_000 }),
  envelopeTtlMs: Type.Integer({ minimum: 60_000 }),
  blobMaxBytes: Type.Integer({ minimum: 1024 }),
  blobQuotaBytes: Type.Integer({ minimum: 1024 }),
  blobTtlMs: Type.Integer({ minimum: 60_000 }),
});

export type Config = Static<typeof ConfigSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

type ConfigField = keyof Config;
type Parser = (raw: string) => unknown;

const integer: Parser = (raw) => (/^[0-9]{1,15}$/.test(raw) ? Number(raw) : Number.NaN);
const days: Parser = (raw) => (/^[0-9]{1,5}$/.test(raw) ? Number(raw) * DAY_MS : Number.NaN);
const mebibytes: Parser = (raw) => (/^[0-9]{1,7}$/.test(raw) ? Number(raw) * MIB : Number.NaN);
const text: Parser = (raw) => raw;
const list: Parser = (raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** The environment variable behind each field, how to read it, and what it must hold. */
export const CONFIG_ENV = {
  host: { name: 'VEIL_HOST', parse: text, expects: 'a host name or IP address to listen on' },
  port: {
    name: 'VEIL_PORT',
    parse: integer,
    expects: 'a port number from 0 to 65535 (0 picks a free port)',
  },
  dataDir: { name: 'VEIL_DATA_DIR', parse: text, expects: 'a directory path' },
  webDir: { name: 'VEIL_WEB_DIR', parse: text, expects: 'a directory path' },
  logLevel: { name: 'VEIL_LOG_LEVEL', parse: text, expects: `one of ${LOG_LEVELS.join(', ')}` },
  registration: {
    name: 'VEIL_REGISTRATION',
    parse: text,
    expects: `one of ${REGISTRATION_MODES.join(', ')}`,
  },
  publicOrigin: {
    name: 'VEIL_ORIGIN',
    parse: text,
    expects: 'an origin such as https://veil.example.org',
  },
  allowedOrigins: { name: 'VEIL_ALLOWED_ORIGINS', parse: list, expects: 'comma-separated origins' },
  rpId: { name: 'VEIL_RP_ID', parse: text, expects: 'a host name (the WebAuthn relying-party id)' },
  tlsCert: { name: 'VEIL_TLS_CERT', parse: text, expects: 'a PEM certificate file path' },
  tlsKey: { name: 'VEIL_TLS_KEY', parse: text, expects: 'a PEM private key file path' },
  trustProxy: {
    name: 'VEIL_TRUST_PROXY',
    parse: integer,
    expects: 'a number of proxy hops from 0 to 10',
  },
  sessionTtlMs: { name: 'VEIL_SESSION_TTL_DAYS', parse: days, expects: 'a whole number of days' },
  envelopeTtlMs: { name: 'VEIL_ENVELOPE_TTL_DAYS', parse: days, expects: 'a whole number of days' },
  blobMaxBytes: { name: 'VEIL_BLOB_MAX_MIB', parse: mebibytes, expects: 'a whole number of MiB' },
  blobQuotaBytes: {
    name: 'VEIL_BLOB_QUOTA_MIB',
    parse: mebibytes,
    expects: 'a whole number of MiB',
  },
  blobTtlMs: { name: 'VEIL_BLOB_TTL_DAYS', parse: days, expects: 'a whole number of days' },
} as const satisfies Record<
  ConfigField,
  { name: `VEIL_${string}`; parse: Parser; expects: string }
>;

const checkConfig = Compile(ConfigSchema);

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The built PWA (`pnpm --filter @veil/web build`, run by scripts/setup.sh). */
export function defaultWebDir(): string {
  return resolve(repoRoot, 'web/build');
}

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new RelayConfigError(
      `  VEIL_CONFIG: cannot read ${path} as JSON (${(error as Error).message})`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RelayConfigError(`  VEIL_CONFIG: ${path} must hold a JSON object`);
  }
  const unknown = Object.keys(parsed).filter((key) => !(key in CONFIG_ENV));
  if (unknown.length > 0) {
    throw new RelayConfigError(`  VEIL_CONFIG: unknown settings in ${path}: ${unknown.join(', ')}`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Reads the configuration from `env` (normally `process.env`) and the JSON file VEIL_CONFIG names,
 * if any (its keys are the field names of Config; the environment wins). An empty variable counts
 * as unset. Throws RelayConfigError listing every bad setting.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const configPath = env['VEIL_CONFIG'];
  const file = configPath === undefined || configPath === '' ? {} : readConfigFile(configPath);
  const setting = (field: ConfigField): unknown => {
    const value = env[CONFIG_ENV[field].name];
    if (value === undefined || value === '') return file[field];
    return CONFIG_ENV[field].parse(value);
  };
  const host = (setting('host') as string | undefined) ?? '127.0.0.1';
  const port = (setting('port') as number | undefined) ?? 8080;
  const tlsCert = (setting('tlsCert') as string | undefined) ?? null;
  const tlsKey = (setting('tlsKey') as string | undefined) ?? null;
  const scheme = tlsCert === null ? 'http' : 'https';
  const publicOrigin =
    (setting('publicOrigin') as string | undefined) ?? `${scheme}://${host}:${port}`;
  const originHost = /^https?:\/\/(\[[^\]]+\]|[^:/]+)/.exec(publicOrigin)?.[1] ?? host;
  const allowedOrigins = (setting('allowedOrigins') as string[] | undefined) ?? [];
  const candidate = {
    host,
    port,
    dataDir: resolve((setting('dataDir') as string | undefined) ?? './data'),
    webDir: resolve((setting('webDir') as string | undefined) ?? defaultWebDir()),
    logLevel: setting('logLevel') ?? 'info',
    registration: setting('registration') ?? 'open',
    publicOrigin,
    allowedOrigins: [...new Set([publicOrigin, ...allowedOrigins])],
    rpId: setting('rpId') ?? originHost,
    tlsCert: tlsCert === null ? null : resolve(tlsCert),
    tlsKey: tlsKey === null ? null : resolve(tlsKey),
    trustProxy: setting('trustProxy') ?? 0,
    sessionTtlMs: setting('sessionTtlMs') ?? 30 * DAY_MS,
    envelopeTtlMs: setting('envelopeTtlMs') ?? 30 * DAY_MS,
    blobMaxBytes: setting('blobMaxBytes') ?? 100 * MIB,
    blobQuotaBytes: setting('blobQuotaBytes') ?? 1024 * MIB,
    blobTtlMs: setting('blobTtlMs') ?? 30 * DAY_MS,
  };
  const problems: string[] = [];
  if (checkConfig.Check(candidate)) {
    if ((candidate.tlsCert === null) !== (candidate.tlsKey === null)) {
      problems.push('  VEIL_TLS_CERT and VEIL_TLS_KEY must be set together');
    } else {
      return candidate;
    }
  }
  const badFields = new Set<ConfigField>();
  for (const error of checkConfig.Errors(candidate)) {
    const field = error.instancePath.split('/')[1];
    if (field !== undefined && field in CONFIG_ENV) badFields.add(field as ConfigField);
  }
  for (const field of badFields) {
    const { name, expects } = CONFIG_ENV[field];
    problems.push(`  ${name} must be ${expects}, got ${JSON.stringify(env[name] ?? file[field])}`);
  }
  throw new RelayConfigError(problems.join('\n'));
}
