import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 whose answers a test scripts per route ("GET /accounts"), for
 * proving the client's policy over the wire without waiting for the sandbox. Routes match method
 * and path exactly; the query string is recorded, not matched.
 */

export type ScriptedResponse = {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent verbatim instead of `body` (for unparsable payloads). */
  raw?: string;
  /** Never answer; the socket stays open until the client gives up or the server closes. */
  hang?: boolean;
  /** Destroy the socket after the request arrived, without a response. */
  drop?: boolean;
};

export type RecordedRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** performance.now() when the request had fully arrived. */
  at: number;
};

export type Responder = ScriptedResponse | ((req: RecordedRequest) => ScriptedResponse);

export type ScriptedServer = {
  url: string;
  /** The answer for `route` once its queue is empty. */
  on(route: string, responder: Responder): void;
  /** One-shot answers for `route`, used in order before the `on` answer. */
  queue(route: string, ...responders: Responder[]): void;
  /** Recorded requests, optionally only those of `route`. */
  requests(route?: string): RecordedRequest[];
  close(): Promise<void>;
};

export async function startScriptedServer(): Promise<ScriptedServer> {
  const fallbacks = new Map<string, Responder>();
  const queues = new Map<string, Responder[]>();
  const recorded: RecordedRequest[] = [];

  // 500 transaction ids (UUIDs) in one `ids` query make a ~18.5 KB URL, over Node's 16 KB default.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://scripted.local');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text === '' ? undefined : text;
      try {
        if (text !== '') body = JSON.parse(text);
      } catch {}
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        at: performance.now(),
      };
      recorded.push(record);

      const route = `${record.method} ${record.path}`;
      const responder = queues.get(route)?.shift() ?? fallbacks.get(route);
      const answer: ScriptedResponse =
        responder === undefined
          ? { status: 404, body: { code: 404, message: `scripted server has no answer for ${route}` } }
          : typeof responder === 'function'
            ? responder(record)
            : responder;

      if (answer.hang) return;
      if (answer.drop) {
        req.socket.destroy();
        return;
      }
      const payload = answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(payload);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    on(route, responder) {
      fallbacks.set(route, responder);
    },
    queue(route, ...responders) {
      queues.set(route, [...(queues.get(route) ?? []), ...responders]);
    },
    requests(route) {
      return route === undefined ? [...recorded] : recorded.filter((r) => `${r.method} ${r.path}` === route);
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Hanging requests hold their sockets open; end them so close() can finish.
        server.closeAllConnections();
      });
    },
  };
}
