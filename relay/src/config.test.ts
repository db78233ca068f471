import { resolve } from 'node:path';
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
    });
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
