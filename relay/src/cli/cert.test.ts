// `veil-relay cert`, and a relay serving HTTPS with what it made: /healthz over TLS (verified
// against the certificate itself), HSTS over HTTPS only, and a clear error for unreadable files.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay } from '../test-support/start-relay';
import { CERT_FILE, KEY_FILE, createCertificate } from './cert';
import { runCli } from './main';
import { serve } from './serve';
import { recordingIo } from './test-support/cli-fixtures';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veil-cert-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function httpsGet(
  url: string,
  ca: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('veil-relay cert', () => {
  it('writes a parseable certificate for this machine and an owner-only key, once', async () => {
    const dataDir = join(dir, 'made');
    const io = recordingIo({ VEIL_DATA_DIR: dataDir, VEIL_PORT: '8443' });
    expect(await runCli(['cert', '--host', 'veil.lan', '--days', '30'], io)).toBe(0);
    const printed = io.stdout.join('\n');
    expect(printed).toContain(`export VEIL_TLS_CERT=${join(dataDir, CERT_FILE)}`);
    expect(printed).toContain(`export VEIL_TLS_KEY=${join(dataDir, KEY_FILE)}`);
    expect(printed).toMatch(/export VEIL_ORIGIN=https:\/\/\S+:8443/);

    const certificate = new X509Certificate(await readFile(join(dataDir, CERT_FILE)));
    expect(certificate.subjectAltName).toContain('DNS:localhost');
    expect(certificate.subjectAltName).toContain('DNS:veil.lan');
    expect(certificate.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(certificate.checkHost('veil.lan')).toBe('veil.lan');
    expect(certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
    const days = (Date.parse(certificate.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);

    const keyFile = join(dataDir, KEY_FILE);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const key = createPrivateKey(await readFile(keyFile));
    expect(certificate.checkPrivateKey(key)).toBe(true);

    expect(await runCli(['cert'], io)).toBe(1);
    expect(io.stderr.at(-1)).toContain('exists; pass --force');
    expect(await runCli(['cert', '--force'], io)).toBe(0);
    expect(new X509Certificate(await readFile(join(dataDir, CERT_FILE))).fingerprint256).not.toBe(
      certificate.fingerprint256,
    );
  });

  it('serves /healthz over HTTPS with HSTS, and no HSTS over plain HTTP', async () => {
    const made = await createCertificate({ dataDir: join(dir, 'tls') });
    const ca = await readFile(made.certFile, 'utf8');
    const tls = await startRelay({ VEIL_TLS_CERT: made.certFile, VEIL_TLS_KEY: made.keyFile });
    const plain = await startRelay();
    try {
      const { port } = tls.app.server.address() as AddressInfo;
      const secure = await httpsGet(`https://127.0.0.1:${port}/healthz`, ca);
      expect(secure.status).toBe(200);
      expect(JSON.parse(secure.body)).toMatchObject({ status: 'ok' });
      expect(secure.headers['strict-transport-security']).toBe('max-age=31536000');
      // Verified against the certificate: with another CA the handshake fails.
      const other = await createCertificate({ dataDir: join(dir, 'other') });
      await expect(
        httpsGet(`https://127.0.0.1:${port}/healthz`, await readFile(other.certFile, 'utf8')),
      ).rejects.toThrow();

      const insecure = await fetch(`${plain.baseUrl}/healthz`);
      expect(insecure.status).toBe(200);
      expect(insecure.headers.get('strict-transport-security')).toBeNull();
      // Without VEIL_TRUST_PROXY, a client cannot claim HTTPS with X-Forwarded-Proto.
      const claimed = await fetch(`${plain.baseUrl}/healthz`, {
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(claimed.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await tls.stop();
      await plain.stop();
    }
  });

  it('sends HSTS behind a trusted proxy that forwarded an HTTPS request', async () => {
    const proxied = await startRelay({ VEIL_TRUST_PROXY: '1' });
    try {
      const viaTls = await fetch(`${proxied.baseUrl}/healthz`, {
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
      });
      expect(viaTls.headers.get('strict-transport-security')).toBe('max-age=31536000');
      const viaHttp = await fetch(`${proxied.baseUrl}/healthz`, {
        headers: { 'x-forwarded-proto': 'http' },
      });
      expect(viaHttp.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await proxied.stop();
    }
  });

  it('stops serve with a message naming the setting when a TLS file cannot be read', async () => {
    const keyOnly = join(dir, 'not-a-cert.pem');
    await writeFile(keyOnly, 'hello\n');
    const io = recordingIo({
      VEIL_DATA_DIR: join(dir, 'serve-data'),
      VEIL_LOG_LEVEL: 'silent',
      VEIL_PORT: '0',
      VEIL_TLS_CERT: join(dir, 'missing.pem'),
      VEIL_TLS_KEY: keyOnly,
    });
    expect(await serve(io)).toBe(1);
    expect(io.stderr.join('\n')).toContain(
      `VEIL_TLS_CERT: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
    );
  });
});
