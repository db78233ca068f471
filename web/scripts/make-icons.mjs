// Draws Veil's PNG icons into static/icons/: the favicon's mark (a light "V" on a dark square) at the
// sizes the manifest and iOS ask for. The PNGs are committed; run this again (`pnpm --filter
// @veil/web icons`) only to change them. Shapes are measured in the favicon's 64-unit grid and
// anti-aliased by sampling each pixel 4 x 4 times.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stdout } from 'node:process';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const OUT_DIR = fileURLToPath(new URL('../static/icons/', import.meta.url));
/** @type {readonly [number, number, number]} */
const BACKGROUND = [0x1f, 0x29, 0x37]; // theme_color in manifest.webmanifest
/** @type {readonly [number, number, number]} */
const FOREGROUND = [0xf9, 0xfa, 0xfb];
const SAMPLES = 4;

/** @typedef {readonly [number, number]} Point */

// The "V" of favicon.svg: a polyline 7 units wide with round caps and joins.
/** @type {readonly Point[]} */
const STROKE = [
  [16, 18],
  [32, 48],
  [48, 18],
];
const HALF_WIDTH = 3.5;

/**
 * @param {number} px
 * @param {number} py
 * @param {Point} a
 * @param {Point} b
 */
function distanceToSegment(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** @param {number} x @param {number} y */
function inStroke(x, y) {
  for (let i = 1; i < STROKE.length; i += 1) {
    const from = /** @type {Point} */ (STROKE[i - 1]);
    const to = /** @type {Point} */ (STROKE[i]);
    if (distanceToSegment(x, y, from, to) <= HALF_WIDTH) return true;
  }
  return false;
}

/** @param {number} x @param {number} y @param {number} radius */
function inRoundedSquare(x, y, radius) {
  const cx = Math.min(Math.max(x, radius), 64 - radius);
  const cy = Math.min(Math.max(y, radius), 64 - radius);
  return Math.hypot(x - cx, y - cy) <= radius;
}

/**
 * `corner` rounds the square (0 fills the whole image, as maskable and Apple icons need); `scale`
 * shrinks the mark about the centre (maskable icons keep it inside the central safe zone).
 * @param {{ size: number, corner: number, scale: number }} options
 */
function draw({ size, corner, scale }) {
  const png = new PNG({ width: size, height: size });
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      let square = 0;
      let mark = 0;
      for (let sy = 0; sy < SAMPLES; sy += 1) {
        for (let sx = 0; sx < SAMPLES; sx += 1) {
          const x = ((px + (sx + 0.5) / SAMPLES) / size) * 64;
          const y = ((py + (sy + 0.5) / SAMPLES) / size) * 64;
          if (!inRoundedSquare(x, y, corner)) continue;
          square += 1;
          if (inStroke(32 + (x - 32) / scale, 32 + (y - 32) / scale)) mark += 1;
        }
      }
      const total = SAMPLES * SAMPLES;
      const t = square === 0 ? 0 : mark / square;
      const offset = (py * size + px) * 4;
      BACKGROUND.forEach((background, c) => {
        png.data[offset + c] = Math.round(background * (1 - t) + FOREGROUND[c] * t);
      });
      png.data[offset + 3] = Math.round((255 * square) / total);
    }
  }
  return PNG.sync.write(png, { colorType: 6 });
}

const ICONS = [
  { file: 'icon-192.png', size: 192, corner: 14, scale: 1 },
  { file: 'icon-512.png', size: 512, corner: 14, scale: 1 },
  // Platforms crop maskable icons to a shape inside the central 80%; the mark stays within it.
  { file: 'maskable-192.png', size: 192, corner: 0, scale: 0.7 },
  { file: 'maskable-512.png', size: 512, corner: 0, scale: 0.7 },
  // iOS rounds the corners itself and shows transparency as black.
  { file: 'apple-touch-icon.png', size: 180, corner: 0, scale: 0.85 },
];

mkdirSync(OUT_DIR, { recursive: true });
for (const { file, ...options } of ICONS) {
  writeFileSync(join(OUT_DIR, file), draw(options));
  stdout.write(`wrote static/icons/${file}\n`);
}
