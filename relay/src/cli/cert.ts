// `veil-relay cert`: a self-signed certificate for trying Veil from a phone on the local network,
// where browsers demand HTTPS for WebCrypto, service workers and passkeys. It names this machine's
// host names and LAN addresses, so the phone can reach the relay at any of them. It is for trying
// Veil out only: a public relay gets a real certificate (Caddy does that by itself).
import { X509Certificate } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { CliError } from './cli-io';

export const CERT_FILE = 'tls-cert.pem';
export const KEY_FILE = 'tls-key.pem';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface CertOptions {
  readonly dataDir: string;
  /** Extra host names or addresses to include. */
  readonly hosts?: readonly string[];
  /** Validity in days (browsers accept at most 398 for a server certificate). */
  readonly days?: number;
  /** Replace an existing pair. */
  readonly force?: boolean;
}

export interface CertResult {
  readonly certFile: string;
  readonly keyFile: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly fingerprint: string;
  readonly notAfter: Date;
}

/** This machine's names and non-loopback addresses, plus localhost, for the certificate. */
export function localNames(extra: readonly string[] = []): { dns: string[]; ips: string[] } {
  const dns = new Set(['localhost']);
  const ips = new Set(['127.0.0.1', '::1']);
  const host = hostname();
  if (host !== '') {
    dns.add(host.toLowerCase());
    if (!host.includes('.')) dns.add(`${host.toLowerCase()}.local`);
  }
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      // Link-local IPv6 needs a zone id, which no URL a phone types can carry.
      if (address.internal || (address.family === 'IPv6' && address.address.startsWith('fe80:'))) {
        continue;
      }
      ips.add(address.address);
    }
  }
  for (const name of extra) {
    if (/^[0-9.]+$/.test(name) || name.includes(':')) ips.add(name);
    else dns.add(name.toLowerCase());
  }
  return { dns: [...dns], ips: [...ips] };
}

/** The address to suggest for the origin: a private LAN IPv4 address if there is one. */
function lanAddress(ips: readonly string[]): string | undefined {
  const v4 = ips.filter((ip) => /^[0-9.]+$/.test(ip) && !ip.startsWith('127.'));
  return v4.find((ip) => /^(10|172\.(1[6-9]|2\d|3[01])|192\.168)\./.test(ip)) ?? v4[0];
}

async function writeNew(
  path: string,
  content: string,
  mode: number,
  force: boolean,
): Promise<void> {
  let handle;
  try {
    handle = await open(path, force ? 'w' : 'wx', mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CliError(`${path} exists; pass --force to replace the certificate`);
    }
    throw error;
  }
  try {
    // `open`'s mode applies only to new files: an existing file keeps its mode unless set here.
    await handle.chmod(mode);
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function createCertificate(options: CertOptions): Promise<CertResult> {
  const days = options.days ?? 365;
  if (!Number.isSafeInteger(days) || days < 1 || days > 398) {
    throw new CliError('--days must be a whole number from 1 to 398');
  }
  const { dns, ips } = localNames(options.hosts);
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: dns[1] ?? dns[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + days * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...dns.map((value) => ({ type: 2 as const, value })),
          ...ips.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const certFile = join(options.dataDir, CERT_FILE);
  const keyFile = join(options.dataDir, KEY_FILE);
  const force = options.force === true;
  // The key first: if it cannot be written, no certificate points at a key that is not there.
  await writeNew(keyFile, pems.private, 0o600, force);
  await writeNew(certFile, pems.cert, 0o644, force);
  const parsed = new X509Certificate(pems.cert);
  return {
    certFile,
    keyFile,
    dnsNames: dns,
    ipAddresses: ips,
    fingerprint: parsed.fingerprint256,
    notAfter: new Date(parsed.validTo),
  };
}

/** What to tell the operator: the files, the names covered, and the variables to set. */
export function formatCertResult(result: CertResult, port: number): string[] {
  const ip = lanAddress(result.ipAddresses);
  const origin = `https://${ip ?? result.dnsNames[1] ?? 'localhost'}:${port}`;
  return [
    `certificate: ${result.certFile}`,
    `private key: ${result.keyFile} (mode 0600)`,
    `valid until: ${result.notAfter.toISOString()}`,
    `SHA-256 fingerprint: ${result.fingerprint}`,
    `names: ${[...result.dnsNames, ...result.ipAddresses].join(', ')}`,
    '',
    'Start the relay on the LAN with:',
    `  export VEIL_TLS_CERT=${result.certFile}`,
    `  export VEIL_TLS_KEY=${result.keyFile}`,
    '  export VEIL_HOST=0.0.0.0',
    `  export VEIL_ORIGIN=${origin}`,
    '  veil-relay serve',
    '',
    `Then open ${origin} on the phone and accept the certificate (compare the fingerprint above).`,
    'Passkeys need a host name, not an IP address; a password works everywhere.',
  ];
}
