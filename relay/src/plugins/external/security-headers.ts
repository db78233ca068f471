// Security headers on every response, the PWA's pages above all: a CSP that allows no inline script
// (except SvelteKit's bootstrap, by its exact hash),
// no eval and no plugins (only WebAssembly compilation, which libsodium needs), no framing, no
// referrer, cross-origin isolation of the window, and no powerful browser features. HSTS only on
// requests that arrived over HTTPS: directly over the relay's own TLS, or through a trusted proxy
// (VEIL_TRUST_PROXY) that says so in X-Forwarded-Proto.
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { readInlineScriptHashes } from './pwa-csp';

const NONE = "'none'";
const SELF = "'self'";

// Features are denied until a screen needs one. The camera is this origin's only, for scanning a
// new browser's link QR code (Account → Devices).
export const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'camera=(self)',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'magnetometer=()',
  'microphone=()',
  'payment=()',
  'usb=()',
].join(', ');

// A year; it pins this host only, not its siblings (no includeSubDomains, no preload).
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000';

export interface SecurityHeadersOptions {
  /** The served PWA: its index.html's one inline bootstrap script is allowed by hash, nothing else. */
  readonly webDir: string;
}

async function securityHeaders(
  app: FastifyInstance,
  options: SecurityHeadersOptions,
): Promise<void> {
  // Read once at boot: a rebuilt PWA needs a relay restart (as any deployment does).
  const pwaScripts = await readInlineScriptHashes(options.webDir);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: [SELF],
        scriptSrc: [SELF, "'wasm-unsafe-eval'", ...pwaScripts],
        // Contacts' avatars arrive end-to-end encrypted and are shown from blob: URLs made in the
        // page; blob: URLs are same-origin and made only by our own script. Not data: (any markup
        // could carry one) and no remote hosts.
        imgSrc: [SELF, 'blob:'],
        objectSrc: [NONE],
        baseUri: [NONE],
        frameAncestors: [NONE],
        formAction: [SELF],
      },
    },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    // Set below, per request: over plain HTTP the header is meaningless and misleads anyone reading it.
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('permissions-policy', PERMISSIONS_POLICY);
    // `protocol` reads X-Forwarded-Proto only from a proxy Fastify trusts (trustProxy).
    if (request.protocol === 'https') {
      reply.header('strict-transport-security', STRICT_TRANSPORT_SECURITY);
    }
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
