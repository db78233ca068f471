// The relay's configuration, read once at boot from VEIL_* environment variables and validated, so
// that a typo stops the relay with a message naming the variable instead of failing later.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { RelayConfigError } from './errors';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ConfigSchema = Type.Object({
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65_535 }),
  dataDir: Type.String({ minLength: 1 }),
  webDir: Type.String({ minLength: 1 }),
  logLevel: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level))),
});

export type Config = Static<typeof ConfigSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The environment variable behind each field, and what it must hold ("VEIL_X must be ..."). */
export const CONFIG_ENV = {
  host: { name: 'VEIL_HOST', expects: 'a host name or IP address to listen on' },
  port: { name: 'VEIL_PORT', expects: 'a port number from 0 to 65535 (0 picks a free port)' },
  dataDir: { name: 'VEIL_DATA_DIR', expects: 'a directory path' },
  webDir: { name: 'VEIL_WEB_DIR', expects: 'a directory path' },
  logLevel: { name: 'VEIL_LOG_LEVEL', expects: `one of ${LOG_LEVELS.join(', ')}` },
} as const satisfies Record<keyof Config, { name: `VEIL_${string}`; expects: string }>;

type ConfigField = keyof typeof CONFIG_ENV;

const checkConfig = Compile(ConfigSchema);

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The built PWA once `web/build` exists, else the placeholder shell in `web/static`. */
export function defaultWebDir(): string {
  const built = resolve(repoRoot, 'web/build');
  return existsSync(built) ? built : resolve(repoRoot, 'web/static');
}

/**
 * Reads the configuration from `env` (normally `process.env`). An empty variable counts as unset.
 * Throws RelayConfigError listing every bad variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const raw = (field: ConfigField): string | undefined => {
    const value = env[CONFIG_ENV[field].name];
    return value === undefined || value === '' ? undefined : value;
  };
  const port = raw('port');
  const candidate = {
    host: raw('host') ?? '127.0.0.1',
    // Only plain decimal digits: Number() would also take '0x1F', '1e3' and ' 80'.
    port: port === undefined ? 8080 : /^[0-9]{1,5}$/.test(port) ? Number(port) : Number.NaN,
    dataDir: resolve(raw('dataDir') ?? './data'),
    webDir: resolve(raw('webDir') ?? defaultWebDir()),
    logLevel: raw('logLevel') ?? 'info',
  };
  if (checkConfig.Check(candidate)) return candidate;

  const badFields = new Set<ConfigField>();
  for (const error of checkConfig.Errors(candidate)) {
    const field = error.instancePath.split('/')[1];
    if (field !== undefined && field in CONFIG_ENV) badFields.add(field as ConfigField);
  }
  const lines = [...badFields].map((field) => {
    const { name, expects } = CONFIG_ENV[field];
    return `  ${name} must be ${expects}, got ${JSON.stringify(raw(field))}`;
  });
  throw new RelayConfigError(lines.join('\n'));
}
