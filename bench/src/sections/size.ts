// Figure 5, size: gzipped JavaScript of the built PWA (web/build), without libsodium (its share is
// reported on its own: a fixed cost we chose, WebAssembly inlined as base64) and without the modules
// only the password flows load, lazily: the zxcvbn dictionaries (the strength meter of sign-up and a
// password change) and OPAQUE (sign-up, sign-in, re-authentication, a password change). Those are
// reported as rows of their own, and counted as app JS if anything imports them statically.
// Everything else counts, eager or not: route chunks load as people move around the app.
// gzip level 6 is what common servers and CDNs send; the relay serves the files as they are.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Figure, Section, SectionReport } from '../report';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const web = join(root, 'web');
const build = join(web, 'build');
const manifestPath = join(web, '.svelte-kit', 'output', 'client', '.vite', 'manifest.json');

interface ManifestChunk {
  readonly file: string;
  readonly src?: string;
  readonly name?: string;
  readonly imports?: readonly string[];
  readonly isDynamicEntry?: boolean;
}

interface Chunk {
  readonly file: string;
  readonly bytes: number;
  readonly gzipped: number;
  kind: 'libsodium' | 'zxcvbn (lazy)' | 'OPAQUE (lazy)' | 'app';
  label: string;
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

/** A module only the password flows import, dynamically: its package name as in the manifest keys. */
interface LazyModule {
  readonly kind: 'zxcvbn (lazy)' | 'OPAQUE (lazy)';
  readonly pattern: RegExp;
}

const LAZY_MODULES: readonly LazyModule[] = [
  { kind: 'zxcvbn (lazy)', pattern: /@zxcvbn-ts\/([a-z-]+)/ },
  { kind: 'OPAQUE (lazy)', pattern: /@serenity-kit\/(opaque)/ },
];

/**
 * Files of a lazy module's chunks, with a label each, per Vite's manifest: its dynamic entries and
 * the chunks only they import (a chunk the app imports too, such as Rolldown's runtime, stays app
 * JS), and whether any other chunk imports one of its entries statically (then it loads with that
 * chunk, not lazily).
 */
function lazyFiles(
  manifest: Record<string, ManifestChunk>,
  module: LazyModule,
): { files: Map<string, string>; eager: boolean } {
  const importers = new Map<string, string[]>();
  for (const [key, chunk] of Object.entries(manifest)) {
    for (const imported of chunk.imports ?? []) {
      importers.set(imported, [...(importers.get(imported) ?? []), key]);
    }
  }
  const labels = new Map<string, string>();
  for (const key of Object.keys(manifest)) {
    const match = module.pattern.exec(key);
    if (match !== null && manifest[key]!.isDynamicEntry === true) labels.set(key, match[0]);
  }
  const entries = new Set(labels.keys());
  // Grows until no chunk is left whose importers are all lazy already.
  for (let grew = true; grew;) {
    grew = false;
    for (const [key, label] of [...labels]) {
      for (const imported of manifest[key]!.imports ?? []) {
        if (labels.has(imported)) continue;
        if ((importers.get(imported) ?? []).every((importer) => labels.has(importer))) {
          labels.set(imported, label);
          grew = true;
        }
      }
    }
  }
  const eager = [...entries].some((key) =>
    (importers.get(key) ?? []).some((importer) => !labels.has(importer)),
  );
  const files = new Map([...labels].map(([key, label]) => [manifest[key]!.file, label]));
  return { files, eager };
}

const kb = (bytes: number) => ({ value: bytes / 1024, unit: 'KB' });

async function runSize(): Promise<SectionReport> {
  const notes: string[] = [];
  if (!existsSync(join(build, 'index.html'))) {
    notes.push(
      'web/build was missing: built it with `pnpm --filter @veil/web build` for this run.',
    );
    execFileSync('pnpm', ['--filter', '@veil/web', 'build'], { cwd: root, stdio: 'inherit' });
  }
  notes.push(
    `Build measured: web/build from ${statSync(join(build, 'index.html')).mtime.toISOString()}.`,
  );
  const manifest = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, ManifestChunk>)
    : {};
  const lazy = new Map<string, { kind: Chunk['kind']; label: string }>();
  for (const module of LAZY_MODULES) {
    const { files, eager } = lazyFiles(manifest, module);
    if (files.size === 0) notes.push(`No lazy ${module.kind} chunk in the Vite manifest.`);
    if (eager) notes.push(`${module.kind} is imported statically somewhere: counted as app JS.`);
    else for (const [file, label] of files) lazy.set(file, { kind: module.kind, label });
  }
  // libsodium has a chunk of its own, named by its code-splitting group in web/vite.config.ts.
  // Recognising it by its content instead (any chunk mentioning libsodium) had counted the chunk
  // holding @veil/client, @veil/protocol and OPAQUE as libsodium's since Rolldown merged them.
  const sodiumFiles = new Set(
    Object.values(manifest)
      .filter((chunk) => chunk.name === 'libsodium')
      .map((chunk) => chunk.file),
  );
  const isLibsodium = (file: string, text: Buffer): boolean =>
    sodiumFiles.size > 0
      ? sodiumFiles.has(file)
      : /sodium_version_string/.test(text.toString('latin1'));
  if (sodiumFiles.size === 0)
    notes.push('No libsodium chunk in the Vite manifest: libsodium recognised by its content.');
  const labels = new Map(
    Object.entries(manifest).map(([key, chunk]) => [chunk.file, chunk.name ?? chunk.src ?? key]),
  );
  const chunks: Chunk[] = jsFiles(build).map((path) => {
    const file = relative(build, path);
    const text = readFileSync(path);
    const chunk: Chunk = {
      file,
      bytes: text.length,
      gzipped: gzipSync(text, { level: 6 }).length,
      kind: 'app',
      label: labels.get(file) ?? file,
    };
    const lazyChunk = lazy.get(file);
    if (lazyChunk !== undefined) {
      chunk.kind = lazyChunk.kind;
      chunk.label = lazyChunk.label;
    } else if (isLibsodium(file, text)) {
      chunk.kind = 'libsodium';
      chunk.label = 'libsodium-wrappers-sumo';
    }
    return chunk;
  });

  const sum = (kind: Chunk['kind']) =>
    chunks
      .filter((chunk) => chunk.kind === kind)
      .reduce((total, chunk) => total + chunk.gzipped, 0);
  const app = sum('app');
  const sodium = sum('libsodium');
  const zxcvbn = sum('zxcvbn (lazy)');
  const opaque = sum('OPAQUE (lazy)');
  const total = app + sodium + zxcvbn + opaque;
  const figures: Figure[] = [
    {
      name: 'PWA JS gzipped, without libsodium and the lazy password modules',
      ours: kb(app),
      target: { on: 'ours', atMost: 200 },
      detail: { files: chunks.filter((chunk) => chunk.kind === 'app').length },
    },
    {
      name: `libsodium gzipped (${((sodium / total) * 100).toFixed(0)}% of all JS)`,
      ours: kb(sodium),
    },
    {
      name: 'zxcvbn (core + dictionaries) gzipped, lazy: new passwords only',
      ours: kb(zxcvbn),
    },
    { name: 'OPAQUE gzipped, lazy: password flows only', ours: kb(opaque) },
    { name: 'all JS gzipped', ours: kb(total) },
  ];
  const largest = [...chunks].sort((a, b) => b.gzipped - a.gzipped).slice(0, 8);
  notes.push(
    [
      'Largest chunks (gzipped / raw):',
      ...largest.map(
        (chunk) =>
          `- ${chunk.file}: ${(chunk.gzipped / 1024).toFixed(1)} KB / ${(chunk.bytes / 1024).toFixed(1)} KB, ${chunk.kind}, ${chunk.label}`,
      ),
    ].join('\n'),
  );
  return {
    section: 'size',
    title: 'Figure 5: size (built PWA)',
    figures,
    notes,
  };
}

export const sizeSection: Section = { name: 'size', run: runSize };
