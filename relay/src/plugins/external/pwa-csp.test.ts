import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inlineScriptHashes, readInlineScriptHashes } from './pwa-csp';

// Hashes published outside this code: the CSP Level 3 specification's example and MDN's.
const HELLO_WORLD = "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"; // alert('Hello, world.');
const VAR_INLINE = "'sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8='"; // var inline = 1;
const EMPTY = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

const builtIndex = fileURLToPath(new URL('../../../../web/build/index.html', import.meta.url));

describe('inlineScriptHashes', () => {
  it('hashes the exact text of an inline script', () => {
    expect(inlineScriptHashes("<p>hi</p><script>alert('Hello, world.');</script>")).toEqual([
      HELLO_WORLD,
    ]);
    expect(inlineScriptHashes('<script type="module">var inline = 1;</script>')).toEqual([
      VAR_INLINE,
    ]);
    expect(inlineScriptHashes('<script></script>')).toEqual([EMPTY]);
  });

  it('keeps whitespace: a reformatted script is a different script', () => {
    const [hash] = inlineScriptHashes("<script>\n  alert('Hello, world.');\n</script>");
    expect(hash).toMatch(/^'sha256-[A-Za-z0-9+/]{43}='$/);
    expect(hash).not.toBe(HELLO_WORLD);
  });

  it('finds every inline script once, in order, whatever the tag case', () => {
    const html = [
      '<SCRIPT>var inline = 1;</SCRIPT >',
      "<script>alert('Hello, world.');</script>",
      '<script>var inline = 1;</script>',
    ].join('\n');
    expect(inlineScriptHashes(html)).toEqual([VAR_INLINE, HELLO_WORLD]);
  });

  it('skips external scripts and commented-out ones', () => {
    const html = [
      '<script src="/app.js"></script>',
      '<script type="module" SRC=/start.js></script>',
      "<!-- <script>alert('Hello, world.');</script> -->",
      '<script data-source="inline">var inline = 1;</script>',
    ].join('\n');
    expect(inlineScriptHashes(html)).toEqual([VAR_INLINE]);
  });

  it('returns nothing for a page without scripts', () => {
    expect(inlineScriptHashes('<!doctype html><title>Veil</title><h1>Veil</h1>')).toEqual([]);
  });

  // SvelteKit (kit.csp mode 'hash') writes the hash it computed into the page's <meta> policy; ours
  // must be the same, or the relay's header would block the bootstrap script.
  it.skipIf(!existsSync(builtIndex))('agrees with SvelteKit on the built PWA', () => {
    const html = readFileSync(builtIndex, 'utf8');
    const meta = /<meta http-equiv="content-security-policy" content="([^"]*)"/.exec(html)?.[1];
    const scriptSrc = meta
      ?.split(';')
      .find((directive) => directive.trim().startsWith('script-src'));
    const kitHashes = scriptSrc?.match(/'sha256-[^']+'/g) ?? [];
    const hashes = inlineScriptHashes(html);
    expect(hashes.length).toBeGreaterThan(0);
    expect(hashes).toEqual(kitHashes);
  });
});

describe('readInlineScriptHashes', () => {
  it('reads index.html from the web directory, and gives none when there is none', async () => {
    const webDir = await mkdtemp(join(tmpdir(), 'veil-pwa-csp-'));
    try {
      expect(await readInlineScriptHashes(webDir)).toEqual([]);
      await writeFile(join(webDir, 'index.html'), '<script>var inline = 1;</script>');
      expect(await readInlineScriptHashes(webDir)).toEqual([VAR_INLINE]);
    } finally {
      await rm(webDir, { recursive: true, force: true });
    }
  });
});
