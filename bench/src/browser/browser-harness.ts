// Runs bench code inside Debian's headless Chromium: bundles a page module with esbuild (the same
// bundler Vite uses for the PWA's dependencies), serves it from 127.0.0.1 (IndexedDB and
// WebAssembly need a real origin, and localhost counts as secure), and opens it with
// playwright-core, which drives the system Chromium without downloading browsers of its own.

import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@veil/e2e/chromium';
import { chromium, type Browser, type Page } from 'playwright-core';

export interface BrowserPage {
  readonly page: Page;
  /** The Chromium version, for the report. */
  readonly version: string;
  close(): Promise<void>;
}

const HTML =
  '<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="/page.js"></script>';

export async function openBenchPage(entry: string): Promise<BrowserPage> {
  const dir = await mkdtemp(join(tmpdir(), 'veil-bench-page-'));
  await build({
    entryPoints: { page: entry },
    outdir: dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    // libsodium's loader mentions Node modules behind a runtime check it never takes in a browser.
    external: ['fs', 'path', 'crypto'],
    logLevel: 'error',
  });
  const script = await readFile(join(dir, 'page.js'));
  // Cross-origin isolated, so performance.now() has microsecond resolution instead of the 100 µs
  // a browser gives ordinary pages (too coarse for a 0.2 ms operation timed one at a time).
  const isolated = {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  };
  const server: Server = createServer((request, response) => {
    if (request.url === '/page.js') {
      response.writeHead(200, { ...isolated, 'content-type': 'text/javascript' }).end(script);
    } else {
      response.writeHead(200, { ...isolated, 'content-type': 'text/html' }).end(HTML);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${String(address.port)}/`);
    await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 60_000 });
    const opened = browser;
    return {
      page,
      version: opened.version(),
      close: async () => {
        await opened.close();
        server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
