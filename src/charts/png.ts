/**
 * SVG → PNG with resvg (Rust, shipped as prebuilt npm binaries): no browser, no native canvas build.
 * resvg reads TrueType/OpenType only, and system fonts differ per machine, so the font comes from
 * the dejavu-fonts-ttf package (installed with the service), with Debian's copy as a fallback.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { encodePng } from './pngEncode.ts';

const DEBIAN_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

function fontFiles(): string[] {
  const files: string[] = [];
  try {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    for (const f of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']) {
      if (existsSync(join(dir, f))) files.push(join(dir, f));
    }
  } catch {
    // package missing: fall through to the system copy
  }
  if (files.length === 0 && existsSync(DEBIAN_FONT)) files.push(DEBIAN_FONT);
  if (files.length === 0) throw new Error('No DejaVu Sans font found (npm install dejavu-fonts-ttf)');
  return files;
}

let fonts: string[] | undefined;

/**
 * The last PNGs rendered, by the SHA-256 of their SVG. The SVG is built from the person's figures,
 * so the same SVG is the same period with the same data, and its PNG can be handed out again
 * without any invalidation: a changed figure makes another SVG. A render costs ~100 ms of CPU
 * (bench/charts.ts), the hash microseconds; a chart asked twice (the assistant retrying, a
 * person re-opening it) pays once. Bounded (least recently used out) to ~CACHED_PNGS × 120 KiB.
 * Callers must not write into the returned Buffer.
 */
const CACHED_PNGS = 32;
const rendered = new Map<string, Buffer>();

export function svgToPng(svg: string): Buffer {
  const key = createHash('sha256').update(svg).digest('base64');
  const hit = rendered.get(key);
  if (hit) {
    rendered.delete(key);
    rendered.set(key, hit);
    return hit;
  }
  const png = renderPng(svg);
  rendered.set(key, png);
  if (rendered.size > CACHED_PNGS) rendered.delete(rendered.keys().next().value as string);
  return png;
}

function renderPng(svg: string): Buffer {
  fonts ??= fontFiles();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'original' },
    font: { fontFiles: fonts, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
  });
  const image = resvg.render();
  return encodePng(image.pixels, image.width, image.height);
}
