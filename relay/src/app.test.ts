// The relay really listening on 127.0.0.1 (port 0), spoken to over HTTP with fetch.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthSchema } from '@veil/wire';
import type { FastifyInstance } from 'fastify';
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import relayPackage from '../package.json' with { type: 'json' };
import { buildApp } from './app';
import { STATIC_RATE_LIMIT_MAX } from './plugins/external/rate-limit';
import { loadConfig } from './config';

const checkHealth = Compile(HealthSchema);
const INDEX_HTML = '<!doctype html><title>Veil test shell</title><h1>Veil</h1>\n';

let app: FastifyInstance;
let baseUrl: string;
let scratch: string;
let dataDir: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'veil-relay-test-'));
  dataDir = join(scratch, 'data');
  const webDir = join(scratch, 'web');
  await mkdir(dataDir);
  await mkdir(webDir);
  await writeFile(join(webDir, 'index.html'), INDEX_HTML);
  await writeFile(join(webDir, 'app.css'), 'body { margin: 0; }\n');

  const config = loadConfig({
    VEIL_PORT: '0',
    VEIL_DATA_DIR: dataDir,
    VEIL_WEB_DIR: webDir,
    VEIL_LOG_LEVEL: 'silent',
  });
  app = await buildApp(config);
  await app.listen({ host: config.host, port: config.port });
  const { port } = app.server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('relay over HTTP', () => {
  it('answers /healthz with the wire schema and the package version', async () => {
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body: unknown = await response.json();
    expect(checkHealth.Check(body)).toBe(true);
    expect(body).toEqual({ status: 'ok', version: relayPackage.version });
  });

  it('reports not ready on /readyz while the data directory is gone', async () => {
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
    await rm(dataDir, { recursive: true });
    const response = await fetch(`${baseUrl}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', version: relayPackage.version });
    await mkdir(dataDir);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
  });

  it('serves the PWA shell at / with the security headers', async () => {
    const response = await fetch(`${baseUrl}/`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toBe(INDEX_HTML);
    const header = (name: string): string | null => response.headers.get(name);
    expect(header('content-security-policy')).toBe(
      "default-src 'self';script-src 'self' 'wasm-unsafe-eval';img-src 'self' blob:;" +
        "object-src 'none';" +
        "base-uri 'none';frame-ancestors 'none';form-action 'self'",
    );
    expect(header('cross-origin-opener-policy')).toBe('same-origin');
    expect(header('referrer-policy')).toBe('no-referrer');
    expect(header('x-content-type-options')).toBe('nosniff');
    expect(header('x-frame-options')).toBe('DENY');
    expect(header('permissions-policy')).toContain('camera=(self)');
    expect(header('x-ratelimit-limit')).toBe(String(STATIC_RATE_LIMIT_MAX));
  });

  it('serves static files with their type', async () => {
    const response = await fetch(`${baseUrl}/app.css`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('falls back to index.html for an unknown page a browser navigates to', async () => {
    const response = await fetch(`${baseUrl}/chats/some-deep-link`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(INDEX_HTML);
    expect(response.headers.get('content-security-policy')).toContain("object-src 'none'");
  });

  it('answers 404 for unknown paths that do not ask for HTML, and for other methods', async () => {
    const json = await fetch(`${baseUrl}/api/nothing-here`, {
      headers: { accept: 'application/json' },
    });
    expect(json.status).toBe(404);
    expect(await json.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Not Found',
    });
    const post = await fetch(`${baseUrl}/chats/x`, {
      method: 'POST',
      headers: { accept: 'text/html' },
    });
    expect(post.status).toBe(404);
  });
});
