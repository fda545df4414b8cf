/**
 * Serves the stand-in for Pluggy's Connect widget (src/sandbox/widget-standin/; not our own Connect
 * page). Its URL stays /connect, where the widget's page sits for the SDK:
 * GET /connect → index.html, GET /connect/zoid.js → zoid's browser bundle from node_modules,
 * GET /connect/<path> → that file. Paths never leave the folder; a missing file is a 404.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notFound } from '../errors.ts';
import { Reply, type Router } from '../server.ts';

const STANDIN_DIR = fileURLToPath(new URL('../widget-standin/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

function zoidPath(): string | null {
  try {
    return createRequire(import.meta.url).resolve('zoid/dist/zoid.js');
  } catch {
    return null;
  }
}

async function serveFile(file: string | null): Promise<Reply> {
  if (!file) throw notFound('NOT_FOUND', 'file not found');
  try {
    const body = await readFile(file);
    return new Reply(200, body, TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', {
      'cache-control': 'no-cache',
    });
  } catch {
    throw notFound('NOT_FOUND', 'file not found');
  }
}

/** The file under the stand-in folder a URL path names, or null when it would escape the folder. */
function connectFile(rel: string): string | null {
  if (rel.includes('\0')) return null;
  // Only what a browser loads: the folder also holds the page's test, which is not served.
  if (!(extname(rel).toLowerCase() in TYPES)) return null;
  const full = resolve(STANDIN_DIR, `.${sep}${rel}`);
  return full.startsWith(STANDIN_DIR) && full !== STANDIN_DIR ? full : null;
}

export function widgetStandinRoutes(router: Router): void {
  router.add('GET', '/connect', 'public', () => serveFile(connectFile('index.html')));
  router.add('GET', '/connect/', 'public', () => serveFile(connectFile('index.html')));
  router.add('GET', '/connect/zoid.js', 'public', () => serveFile(zoidPath()));
  router.add('GET', /^\/connect\/(.+)$/, 'public', ({ params }) => serveFile(connectFile(params.$1 ?? '')));
}
