import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultWebDir, loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to loopback, port 8080, ./data and info logs', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8080,
      dataDir: resolve('data'),
      webDir: defaultWebDir(),
      logLevel: 'info',
      registration: 'open',
      publicOrigin: 'http://127.0.0.1:8080',
      allowedOrigins: ['http://127.0.0.1:8080'],
      rpId: '127.0.0.1',
      tlsCert: null,
      tlsKey: null,
      trustProxy: 0,
      sessionTtlMs: 30 * 86_400_000,
      envelopeTtlMs: 30 * 86_400_000,
      blobMaxBytes: 100 * 1024 * 1024,
      blobQuotaBytes: 1024 * 1024 * 1024,
      blobTtlMs: 30 * 86_400_000,
    });
  });

  it('derives origin and rpId from VEIL_ORIGIN and keeps it among the allowed origins', () => {
    const config = loadConfig({
      VEIL_ORIGIN: 'https://veil.example.org',
      VEIL_ALLOWED_ORIGINS: 'https://other.example.org, https://veil.example.org',
      VEIL_REGISTRATION: 'invite',
    });
    expect(config.rpId).toBe('veil.example.org');
    expect(config.allowedOrigins).toEqual([
      'https://veil.example.org',
      'https://other.example.org',
    ]);
    expect(config.registration).toBe('invite');
  });

  it('reads a JSON config file named by VEIL_CONFIG, the environment winning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-config-'));
    const path = join(dir, 'veil.json');
    await writeFile(
      path,
      JSON.stringify({ registration: 'closed', port: 9000, blobMaxBytes: 4096 }),
    );
    const config = loadConfig({ VEIL_CONFIG: path, VEIL_PORT: '9100' });
    expect(config).toMatchObject({ registration: 'closed', port: 9100, blobMaxBytes: 4096 });
    await writeFile(path, JSON.stringify({ colour: 'blue' }));
    expect(() => loadConfig({ VEIL_CONFIG: path })).toThrow(/unknown settings.*colour/);
  });

  it('refuses half a TLS configuration and bad new settings', () => {
    expect(() => loadConfig({ VEIL_TLS_CERT: '/tmp/cert.pem' })).toThrow(/set together/);
    expect(() => loadConfig({ VEIL_REGISTRATION: 'maybe' })).toThrow(
      /VEIL_REGISTRATION must be one of/,
    );
    expect(() => loadConfig({ VEIL_ORIGIN: 'veil.example.org' })).toThrow(/VEIL_ORIGIN/);
  });

  it('reads every VEIL_* variable, treating an empty one as unset', () => {
    const config = loadConfig({
      VEIL_HOST: '0.0.0.0',
      VEIL_PORT: '0',
      VEIL_DATA_DIR: '/var/lib/veil',
      VEIL_WEB_DIR: '',
      VEIL_LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 0, dataDir: '/var/lib/veil' });
    expect(config.webDir).toBe(defaultWebDir());
    expect(config.logLevel).toBe('warn');
  });

  it.each(['abc', '65536', '-1', '80.5', '0x1F', '1e3', ' 80', '8080 '])(
    'refuses VEIL_PORT=%j with a message naming the variable',
    (port) => {
      expect(() => loadConfig({ VEIL_PORT: port })).toThrow(
        `VEIL_PORT must be a port number from 0 to 65535 (0 picks a free port), got ${JSON.stringify(port)}`,
      );
    },
  );

  it('lists every bad variable at once, under a stable code', () => {
    let caught: unknown;
    try {
      loadConfig({ VEIL_PORT: 'http', VEIL_LOG_LEVEL: 'verbose' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'RELAY_ERR_CONFIG' });
    const message = (caught as Error).message;
    expect(message).toMatch(/^Invalid relay configuration:\n/);
    expect(message).toContain('VEIL_PORT must be');
    expect(message).toContain(
      'VEIL_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    );
  });
});
