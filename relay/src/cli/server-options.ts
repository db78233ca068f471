// Options for the Fastify server that come from how the relay is deployed: its own TLS (when
// VEIL_TLS_CERT and VEIL_TLS_KEY name a PEM certificate and key) and how far to trust a reverse
// proxy's X-Forwarded-* headers (VEIL_TRUST_PROXY). The PEM files are read once, at boot, so a bad
// path stops the relay with a message naming the setting instead of a stack trace from Node's TLS.
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import type { ServerOptions } from 'node:https';
import type { Config } from '../config';
import { RelayConfigError } from '../errors';

/** Loopback, RFC 1918, carrier-grade NAT, link-local and IPv6 unique-local/link-local ranges. */
function privateNetworks(): BlockList {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addSubnet('10.0.0.0', 8, 'ipv4');
  list.addSubnet('172.16.0.0', 12, 'ipv4');
  list.addSubnet('192.168.0.0', 16, 'ipv4');
  list.addSubnet('100.64.0.0', 10, 'ipv4');
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addAddress('::1', 'ipv6');
  list.addSubnet('fc00::', 7, 'ipv6');
  list.addSubnet('fe80::', 10, 'ipv6');
  return list;
}

const PRIVATE = privateNetworks();

/** Whether `address` (as a socket reports it, IPv4-mapped IPv6 included) is a private one. */
export function isPrivateAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1];
  const plain = mapped ?? address.replace(/%.*$/, '');
  const family = isIP(plain);
  if (family === 0) return false;
  return PRIVATE.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Fastify's `trustProxy` for VEIL_TRUST_PROXY hops. Fastify 5 treats a bare hop count as "trust
 * nothing" (a hop count alone cannot tell a proxy from a client that forged the header), so this
 * trusts the first `hops` addresses only when the connection itself comes from a private address:
 * the proxy on the same host or network. A client reaching the relay's port directly from the
 * internet cannot forge its address or X-Forwarded-Proto.
 */
export function trustProxyOption(
  hops: number,
): false | ((address: string, hop: number) => boolean) {
  if (hops === 0) return false;
  return (address, hop) => hop < hops && (hop > 0 || isPrivateAddress(address));
}

function readPem(setting: string, path: string, marker: RegExp): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new RelayConfigError(`  ${setting}: cannot read ${path} (${code})`);
  }
  if (!marker.test(pem.toString('latin1'))) {
    throw new RelayConfigError(`  ${setting}: ${path} is not a PEM file of the expected kind`);
  }
  return pem;
}

/** The PEM pair for Node's HTTPS server, or null when the relay speaks plain HTTP. */
export function readTlsFiles(config: Config): ServerOptions | null {
  if (config.tlsCert === null || config.tlsKey === null) return null;
  return {
    cert: readPem('VEIL_TLS_CERT', config.tlsCert, /-----BEGIN CERTIFICATE-----/),
    key: readPem('VEIL_TLS_KEY', config.tlsKey, /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/),
  };
}

/**
 * `{ https }` to spread into Fastify's options, or nothing for plain HTTP. Typed as empty on
 * purpose: with `https` visible, Fastify's overloads would retype the whole app for an HTTPS (or
 * HTTP/2) server, while everything the relay does with its server (listen, address, upgrade) is the
 * same for both.
 */
export function tlsServerOptions(config: Config): object {
  const https = readTlsFiles(config);
  return https === null ? {} : { https };
}
