/**
 * Helpers for the sandbox's own integration tests: raw HTTP calls (so tests see exact statuses and
 * bodies) and a small node:http webhook receiver whose answers a test can script.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from './defaults.ts';

export const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// biome-ignore lint/suspicious/noExplicitAny: tests read free-form JSON bodies field by field
export type Json = any;

export type Call = { status: number; body: Json; headers: Headers };

export async function call(
  base: string,
  method: string,
  path: string,
  opts: { key?: string; body?: unknown } = {},
): Promise<Call> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.key ? { 'x-api-key': opts.key } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: Json = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (static files)
  }
  return { status: res.status, body, headers: res.headers };
}

export async function apiKey(base: string): Promise<string> {
  const r = await call(base, 'POST', '/auth', {
    body: { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, nonExpiring: false },
  });
  if (r.status !== 200) throw new Error(`auth failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.apiKey as string;
}

/** A JSON client bound to one sandbox and key. */
export function client(base: string, key: string) {
  return {
    get: (path: string) => call(base, 'GET', path, { key }),
    post: (path: string, body?: unknown) => call(base, 'POST', path, { key, body: body ?? {} }),
    patch: (path: string, body?: unknown) => call(base, 'PATCH', path, { key, body: body ?? {} }),
    del: (path: string) => call(base, 'DELETE', path, { key }),
  };
}

type Received = { path: string; headers: IncomingHttpHeaders; body: Json };

/**
 * A webhook receiver. `reply` decides each answer (default 200); `hang` makes it never answer
 * (to provoke the sandbox's delivery timeout).
 */
export async function startReceiver() {
  const received: Received[] = [];
  let reply: (r: Received, attempt: number) => number | 'hang' = () => 200;
  const attempts = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      const r: Received = { path: req.url ?? '/', headers: req.headers, body };
      received.push(r);
      const key = `${req.url} ${body?.eventId}`;
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      const answer = reply(r, n);
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    setReply(fn: typeof reply) {
      reply = fn;
    },
    events: (path?: string) =>
      received.filter((r) => path === undefined || r.path === path).map((r) => r.body),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
