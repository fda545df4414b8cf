import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AppError } from '../../domain/errors.ts';

/**
 * The Connect page people open from their link: web/'s production build (scripts/build.mjs makes
 * it), served at /connect by this process. The old page's path, /widget/, redirects here. Public:
 * the page holds nothing until the link in its URL is exchanged through /v1/connect/*.
 */
export type ConnectPageOptions = {
  /** The widget's address, allowed as a frame: the sandbox's stand-in in local mode, else Pluggy's. */
  widgetUrl?: string | undefined;
  /** Digits only (country code first), for the page's "back to WhatsApp" button. */
  whatsappNumber?: string | undefined;
  /** Where the build is; defaults to web/dist at the project root (from src/ or dist/ alike). */
  dir?: string;
};

/** Where Pluggy's hosted widget lives: pluggy-connect-sdk's default `url` (docs/pluggy.md#connect-widget). */
const PLUGGY_CONNECT_ORIGIN = 'https://connect.pluggy.ai';

type Asset = { body: Buffer; type: string };
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

export function connectPageRoutes(opts: ConnectPageOptions): FastifyPluginAsync {
  return async (app) => {
    // src/http/routes/ and dist/http/routes/ are both three levels below the project root.
    const dir = opts.dir ?? fileURLToPath(new URL('../../../web/dist/', import.meta.url));
    // Read once: a rebuild while running is served after the next start, never half-written.
    const page = loadBuild(dir, opts.whatsappNumber);
    const widgetOrigin = opts.widgetUrl ? new URL(opts.widgetUrl).origin : PLUGGY_CONNECT_ORIGIN;
    const csp = [
      "default-src 'self'",
      "script-src 'self'",
      // The widget SDK styles its modal container inline.
      "style-src 'self' 'unsafe-inline'",
      `img-src 'self' data: ${widgetOrigin}`,
      `frame-src ${widgetOrigin}`,
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ');

    const sendPage = (reply: FastifyReply) => {
      if (!page) {
        throw new AppError(
          'unavailable',
          'connect-page-not-built',
          'The Connect page is not built: run `npm run build` (npm start builds it when Vite is installed).',
        );
      }
      return (
        reply
          .header('content-security-policy', csp)
          // An Open Finance login opens the bank in a popup from the widget; keep it able to report back.
          .header('cross-origin-opener-policy', 'same-origin-allow-popups')
          // The link is in the URL: never cached, never sent on as a referrer.
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer')
          .type('text/html; charset=utf-8')
          .send(page.html)
      );
    };
    app.get('/connect', { schema: { hide: true } }, async (_req, reply) => sendPage(reply));
    app.get('/connect/', { schema: { hide: true } }, async (_req, reply) => sendPage(reply));
    app.get<{ Params: { file: string } }>(
      '/connect/assets/:file',
      { schema: { hide: true } },
      async (req, reply) => {
        const asset = page?.assets.get(req.params.file);
        if (!asset) throw new AppError('not-found', 'not-found', 'No such file.');
        // Vite names every asset by its content hash.
        return reply
          .header('cache-control', 'public, max-age=31536000, immutable')
          .type(asset.type)
          .send(asset.body);
      },
    );
    const toConnect = async (req: { url: string }, reply: FastifyReply) => {
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      return reply.header('cache-control', 'no-store').redirect(`/connect${query}`, 301);
    };
    app.get('/widget', { schema: { hide: true } }, toConnect);
    app.get('/widget/', { schema: { hide: true } }, toConnect);
    app.get('/widget/*', { schema: { hide: true } }, toConnect);
  };
}

function loadBuild(dir: string, whatsappNumber: string | undefined) {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) return undefined;
  let html = readFileSync(index, 'utf8');
  if (whatsappNumber) {
    html = html.replace('</head>', `<meta name="whatsapp-number" content="${whatsappNumber}" />\n</head>`);
  }
  const assets = new Map<string, Asset>();
  const assetDir = path.join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = TYPES[path.extname(name)];
      if (type) assets.set(name, { body: readFileSync(path.join(assetDir, name)), type });
    }
  }
  return { html, assets };
}
