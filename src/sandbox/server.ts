/**
 * The HTTP layer: node:http with a small router (no framework — the sandbox must stay fast under a
 * webhook/bench load and needs raw control of sockets for dropped-connection faults).
 *
 * Per request: admin routes (/__sandbox/*) bypass faults and the request log; every other request is
 * logged, may be hit by a fault rule, is authenticated per route (API key, or API key / connect token),
 * and answers JSON. Every success is 200 (docs/pluggy.md#conventions).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TokenClaims } from './auth.ts';
import type { SandboxContext } from './context.ts';
import { defaultFaultBody, forbidden, internalError, notAuthenticated, PluggyError } from './errors.ts';

type Access = 'public' | 'api' | 'connect';

type Ctx = {
  req: IncomingMessage;
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  body: unknown;
  /** The verified token; null on public routes. */
  auth: TokenClaims | null;
};

/** A non-JSON or non-default answer. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: string | Buffer,
    readonly contentType: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

export type Handler = (ctx: Ctx) => unknown;

type Route = { method: string; re: RegExp; keys: string[]; access: Access; handler: Handler };

export class Router {
  private readonly routes: Route[] = [];

  /** `pattern` is a path with `:name` segments, or a RegExp whose capture groups become `params.$1…`. */
  add(method: string, pattern: string | RegExp, access: Access, handler: Handler): void {
    const keys: string[] = [];
    const re =
      pattern instanceof RegExp
        ? pattern
        : new RegExp(
            `^${pattern.replace(/\/:([a-zA-Z]+)/g, (_, k: string) => {
              keys.push(k);
              return '/([^/]+)';
            })}$`,
          );
    if (pattern instanceof RegExp) for (let i = 1; i <= 9; i++) keys.push(`$${i}`);
    this.routes.push({ method, re, keys, access, handler });
  }

  /** The route for method+path, with its decoded path parameters. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => {
        const v = m[i + 1];
        if (v === undefined) return;
        try {
          params[k] = decodeURIComponent(v);
        } catch {
          params[k] = v;
        }
      });
      return { route, params };
    }
    return null;
  }
}

const MAX_BODY = 5 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new PluggyError(413, { code: 413, message: 'request entity too large' }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  let payload: string | Buffer;
  let type = 'application/json; charset=utf-8';
  if (body instanceof Reply) {
    payload = body.body;
    type = body.contentType;
    Object.assign(headers, body.headers);
    status = body.status;
  } else {
    payload = JSON.stringify(body ?? {});
  }
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(payload),
    'access-control-allow-origin': '*',
    ...headers,
  });
  res.end(payload);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createHttpServer(ctx: SandboxContext, api: Router, admin: Router): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const isAdmin = path === '/__sandbox' || path.startsWith('/__sandbox/');

    let status = 0;
    const finish = (code: number, body: unknown, headers?: Record<string, string>) => {
      status = body instanceof Reply ? body.status : code;
      // Pluggy's Date header is Pluggy's clock; here it is the sandbox's (manual or moved), so a
      // client reading the time of an answer sees the same clock as the createdAt it serves.
      send(res, code, body, { date: ctx.clock.now().toUTCString(), ...headers });
    };

    try {
      if (method === 'OPTIONS') {
        // CORS preflight (the Connect page may be opened from another origin during development).
        finish(
          200,
          {},
          {
            'access-control-allow-methods': 'GET,POST,PATCH,PUT,DELETE,OPTIONS',
            'access-control-allow-headers': 'content-type,x-api-key',
            'access-control-max-age': '600',
          },
        );
        return;
      }
      if (!isAdmin) {
        const fault = ctx.faults.decide(method, path);
        if (fault.latencyMs > 0) await sleep(fault.latencyMs);
        const a = fault.action;
        if (a?.kind === 'drop') {
          req.socket.destroy();
          return;
        }
        if (a?.kind === 'respond') {
          const code = a.status ?? 500;
          const headers = { ...(code === 429 ? { 'retry-after': '1' } : {}), ...lower(a.headers ?? {}) };
          finish(code, a.body ?? defaultFaultBody(code), headers);
          return;
        }
        if (a?.kind === 'expire-key') {
          ctx.tokens.revoke(apiKeyHeader(req));
          throw notAuthenticated();
        }
      }

      const found = (isAdmin ? admin : api).match(method, path);
      if (!found) {
        finish(404, { code: 404, message: `Cannot ${method} ${path}` });
        return;
      }
      const { route, params } = found;
      let auth: TokenClaims | null = null;
      if (route.access !== 'public') {
        auth = ctx.tokens.verify(apiKeyHeader(req));
        if (!auth) throw notAuthenticated();
        if (auth.kind === 'connect_token' && route.access !== 'connect') {
          throw forbidden();
        }
      }
      let body: unknown;
      if (method !== 'GET' && method !== 'HEAD') {
        const buf = await readBody(req);
        if (
          buf.length > 0 &&
          /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')
        ) {
          // Only the MockBank consent form posts a plain HTML form; Pluggy's API takes JSON.
          body = Object.fromEntries(new URLSearchParams(buf.toString('utf8')));
        } else if (buf.length > 0) {
          try {
            body = JSON.parse(buf.toString('utf8'));
          } catch {
            throw new PluggyError(400, { code: 400, message: 'Invalid JSON body' });
          }
        }
      }
      const result = await route.handler({ req, method, path, query, params, body, auth });
      finish(200, result);
    } catch (err) {
      if (err instanceof PluggyError) {
        finish(err.status, err.body, err.headers);
      } else {
        ctx.logger.error({ err, method, path }, 'sandbox route failed');
        const e = internalError();
        finish(e.status, e.body);
      }
    } finally {
      if (!isAdmin) ctx.logRequest(method, path, status);
      if (method !== 'GET' && method !== 'HEAD') ctx.changed();
    }
  };

  // Pluggy takes up to 500 transaction ids in one `ids` query (docs/pluggy.md): about 18.5 KB of
  // URL, past Node's 16 KB default header limit, which would answer 431 where Pluggy answers 200.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

function apiKeyHeader(req: IncomingMessage): string | undefined {
  const v = req.headers['x-api-key'];
  return Array.isArray(v) ? v[0] : v;
}

function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
