// The global budget against a listening relay: the API's bucket runs out at its limit, while the
// PWA's files, counted apart, keep loading for the same address (and the other way round).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from '../../test-support/start-relay';
import { GLOBAL_RATE_LIMIT } from './rate-limit';

let relay: TestRelay;
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await relay.stop();
});

async function statuses(path: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${relay.baseUrl}${path}`, { headers: { accept: 'text/html' } });
    await response.arrayBuffer();
    out.push(response.status);
  }
  return out;
}

describe('global rate limit', () => {
  it('counts the PWA files apart from the API', async () => {
    // Loading the app many times over (well past the API's budget) is not refused...
    const pages = await statuses('/index.html', GLOBAL_RATE_LIMIT.max + 50);
    expect(pages.every((status) => status === 200)).toBe(true);
    // ...and has not spent the API's budget of the same address.
    const api = await statuses('/api/v1/nothing-here', 1);
    expect(api).toEqual([404]);
  });

  it('still refuses the API past its budget', async () => {
    const answers = await statuses('/api/v1/nothing-here', GLOBAL_RATE_LIMIT.max + 1);
    expect(answers.slice(0, GLOBAL_RATE_LIMIT.max).every((status) => status !== 429)).toBe(true);
    expect(answers.at(-1)).toBe(429);
    // The app itself still loads.
    expect(await statuses('/index.html', 1)).toEqual([200]);
  });
});
