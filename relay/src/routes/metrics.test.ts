// /metrics: Prometheus text from the app's own registry, HTTP metrics labelled by route pattern
// (never by URL, account or id), the relay's gauges and counters, and local callers only.
import { describe, expect, it } from 'vitest';
import { signedUp } from '../auth/test-support/auth-client';
import { isPrivateAddress } from '../cli/server-options';
import { startRelay } from '../test-support/start-relay';

describe('/metrics', () => {
  it('counts requests by route pattern and never names an account or an id', async () => {
    const relay = await startRelay();
    try {
      await signedUp(relay, 'metrics-canary-user', 'correct horse battery staple');
      await fetch(`${relay.baseUrl}/api/v1/blobs/SECRETBLOBID0000000000`, {
        headers: { origin: relay.origin },
      });
      await fetch(`${relay.baseUrl}/no/such/path/metrics-canary-path`, {
        headers: { accept: 'application/json' },
      });
      relay.app.metrics.envelopesAccepted.inc(3);
      relay.app.metrics.socketsOpen.inc();

      const response = await fetch(`${relay.baseUrl}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toMatch(
        /^veil_relay_http_requests_total\{route="\/api\/v1\/auth\/register\/finish",method="POST",status_class="2xx"\} 1$/m,
      );
      expect(text).toMatch(
        /^veil_relay_http_request_duration_seconds_count\{route="\/api\/v1\/auth\/register\/start",method="POST",status_class="2xx"\} 1$/m,
      );
      expect(text).toMatch(
        /^veil_relay_http_requests_total\{route="unmatched",method="GET",status_class="4xx"\} 1$/m,
      );
      expect(text).toMatch(/^veil_relay_envelopes_accepted_total 3$/m);
      expect(text).toMatch(/^veil_relay_sockets_open 1$/m);
      expect(text).toMatch(/^veil_relay_deliveries_pushed_total 0$/m);
      expect(text).toMatch(/^veil_relay_blobs_bytes_stored 0$/m);
      expect(text).toMatch(/^veil_relay_process_resident_memory_bytes \d+/m);
      expect(text).not.toContain('metrics-canary');
      expect(text).not.toContain('SECRETBLOBID');
    } finally {
      await relay.stop();
    }
  });

  it('keeps each app’s metrics apart, so several relays can run in one process', async () => {
    const first = await startRelay();
    const second = await startRelay();
    try {
      first.app.metrics.deliveriesPushed.inc(5);
      const a = await (await fetch(`${first.baseUrl}/metrics`)).text();
      const b = await (await fetch(`${second.baseUrl}/metrics`)).text();
      expect(a).toMatch(/^veil_relay_deliveries_pushed_total 5$/m);
      expect(b).toMatch(/^veil_relay_deliveries_pushed_total 0$/m);
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('refuses requests a proxy forwarded, even from the loopback address', async () => {
    const relay = await startRelay({ VEIL_TRUST_PROXY: '1' });
    try {
      for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
        const response = await fetch(`${relay.baseUrl}/metrics`, {
          headers: { [header]: '10.0.0.7' },
        });
        expect(response.status).toBe(403);
        expect(await response.text()).not.toContain('veil_relay_');
      }
    } finally {
      await relay.stop();
    }
  });
});

describe('isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.5', true],
    ['192.168.1.20', true],
    ['fd12:3456::1', true],
    ['fe80::1%eth0', true],
    ['172.32.0.1', false],
    ['203.0.113.9', false],
    ['::ffff:8.8.8.8', false],
    ['2001:db8::1', false],
    ['not-an-address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});
