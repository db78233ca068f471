// /readyz asks the database for real: it answers 503 once the database cannot be queried.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RELAY_VERSION } from '../version';
import { startRelay, type TestRelay } from '../test-support/start-relay';

let relay: TestRelay;

beforeEach(async () => {
  relay = await startRelay();
});

afterEach(async () => {
  await relay.stop();
});

describe('/readyz', () => {
  it('is ready while the database answers, and not once it is closed', async () => {
    const ready = await fetch(`${relay.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', version: RELAY_VERSION });

    relay.app.sqlite.close();
    const gone = await fetch(`${relay.baseUrl}/readyz`);
    expect(gone.status).toBe(503);
    expect(await gone.json()).toEqual({ status: 'unavailable', version: RELAY_VERSION });
    // Liveness is about the process, not its dependencies.
    expect((await fetch(`${relay.baseUrl}/healthz`)).status).toBe(200);
  });
});
