// Starts the relay every suite shares (relay-process.ts) with a throwaway data directory, and
// returns the teardown that stops it.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_PATH } from './chromium';
import { freePort, startRelayProcess } from './relay-process';

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: run "sh scripts/setup.sh --browser" first.`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'veil-e2e-'));
  // Trusting X-Forwarded-For lets a suite's headless senders in Node (hostile-content.spec.ts) each
  // come from an address of their own; the browsers send no such header and share 127.0.0.1.
  const relay = await startRelayProcess({
    dataDir,
    port: await freePort(),
    env: { VEIL_TRUST_PROXY: '1' },
  });
  // Workers inherit this, and playwright.config.ts reads it as baseURL.
  process.env.VEIL_E2E_BASE_URL = relay.baseUrl;
  return async () => {
    await relay.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
