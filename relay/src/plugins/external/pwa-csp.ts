// The CSP sources that let the built PWA's own inline scripts run. SvelteKit's index.html boots the
// app with one inline <script>, and the relay's policy allows no 'unsafe-inline'; allowing exactly
// that script by its hash keeps every other inline script blocked. The hashes are read from the
// built file at startup, so a rebuilt PWA needs no change here (docs/pwa.md).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// Lazy, so a script's body ends at the first closing tag, as the HTML parser ends it.
const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
const COMMENT = /<!--[\s\S]*?-->/g;
const SRC_ATTRIBUTE = /(?:^|\s)src\s*=/i;

/**
 * `'sha256-…'` sources, in order of appearance and without repeats, for every inline `<script>` in
 * `html` (scripts with a `src` attribute are governed by `'self'`, and commented-out ones never
 * run). The hash is over the exact text between the tags, as browsers compute it.
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const [, attributes = '', body = ''] of html.replace(COMMENT, '').matchAll(SCRIPT)) {
    if (SRC_ATTRIBUTE.test(attributes)) continue;
    hashes.add(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return [...hashes];
}

/** The hashes of `webDir/index.html`, or none when the directory has no index.html. */
export async function readInlineScriptHashes(webDir: string): Promise<string[]> {
  try {
    return inlineScriptHashes(await readFile(join(webDir, 'index.html'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
