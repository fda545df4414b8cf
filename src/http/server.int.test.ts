import type { AddressInfo } from 'node:net';
import { createConnection, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../domain/errors.ts';
import { createLogger } from '../log.ts';
import { buildServer } from './server.ts';

const TEST_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('HTTP server basics', () => {
  const live = new pg.Pool({ connectionString: TEST_URL, max: 2 });
  // Port 1 on loopback: nothing listens, so every query fails like a database that is down.
  const dead = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
  dead.on('error', () => {});
  afterAll(async () => {
    await live.end();
    await dead.end();
  });

  it('answers readiness from the database', async () => {
    const app = await buildServer({ logger: createLogger('silent'), pool: live });
    const ok = await app.inject({ method: 'GET', url: '/health' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'ok', database: { status: 'ok' } });

    const down = await buildServer({ logger: createLogger('silent'), pool: dead });
    const res = await down.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('database-unavailable');
    expect(res.headers['retry-after']).toBe('5');
    await app.close();
    await down.close();
  });

  it('maps every failure to problem+json with a stable code, never a stack', async () => {
    const app = await buildServer({
      logger: createLogger('silent'),
      pool: live,
      bodyLimit: 64,
      plugins: [
        async (a) => {
          a.post('/echo', async (req) => req.body);
          a.get('/missing', async () => {
            throw new AppError('not-found', 'user-not-found', 'No user with that phone number.');
          });
          a.get('/boom', async () => {
            throw new Error('secret internals: password=hunter2');
          });
          a.get('/db', async () => dead.query('select 1'));
        },
      ],
    });
    const cases = [
      { req: { method: 'GET' as const, url: '/nope' }, status: 404, code: 'route-not-found' },
      { req: { method: 'GET' as const, url: '/missing' }, status: 404, code: 'user-not-found' },
      {
        req: {
          method: 'POST' as const,
          url: '/echo',
          payload: '{bad',
          headers: { 'content-type': 'application/json' },
        },
        status: 400,
        code: 'malformed-json',
      },
      {
        req: {
          method: 'POST' as const,
          url: '/echo',
          payload: JSON.stringify({ x: 'y'.repeat(200) }),
          headers: { 'content-type': 'application/json' },
        },
        status: 413,
        code: 'payload-too-large',
      },
      { req: { method: 'GET' as const, url: '/boom' }, status: 500, code: 'internal-error' },
      { req: { method: 'GET' as const, url: '/db' }, status: 503, code: 'database-unavailable' },
    ];
    for (const c of cases) {
      const res = await app.inject(c.req);
      expect(res.statusCode, c.req.url).toBe(c.status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const body = res.json();
      expect(body).toMatchObject({ status: c.status, code: c.code });
      expect(res.body).not.toContain('hunter2');
      expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    }
    await app.close();
  });

  it('never echoes a secret carried in the path, in the log or the problem body', async () => {
    const secret = 'path-secret-5e1d0c7b9a';
    let log = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    // No secrets given to the logger: this proves the structural masking alone.
    const app = await buildServer({
      logger: createLogger('debug', sink),
      pool: live,
      secretPathPrefixes: ['/webhooks/pluggy'],
      plugins: [
        async (a) => {
          a.post('/webhooks/pluggy/:secret', async (req) => {
            req.log.info({ req }, 'a handler logging its request');
            throw new Error('handler failed');
          });
        },
      ],
    });
    const urls = [
      { method: 'GET' as const, url: `/webhooks/pluggy/${secret}` },
      { method: 'POST' as const, url: `/webhooks/pluggy/${secret}/more?x=${secret}` },
      { method: 'POST' as const, url: `/webhooks/pluggy/${secret}` },
    ];
    for (const req of urls) {
      const res = await app.inject(req);
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.body).not.toContain(secret);
      expect(res.body).toContain('/webhooks/pluggy/[redacted]');
    }
    await app.close();
    expect(log).toContain('/webhooks/pluggy/[redacted]');
    expect(log).toContain('a handler logging its request');
    expect(log).not.toContain(secret);
  });

  describe('limits on slow and idle clients', () => {
    const limits = {
      requestTimeoutMs: 2000,
      headersTimeoutMs: 1000,
      connectionTimeoutMs: 1500,
      keepAliveTimeoutMs: 1000,
      maxConnections: 1000,
    };
    const listen = async (l = limits) => {
      const app = await buildServer({
        logger: createLogger('silent'),
        pool: live,
        limits: l,
        plugins: [async (a) => void a.post('/echo', async (req) => req.body)],
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { app, port: (app.server.address() as AddressInfo).port };
    };
    /** Resolves when the server closes the socket; generous bound, the limits above are 1-2 s. */
    const closedByServer = (socket: Socket) =>
      new Promise<string>((resolve, reject) => {
        let answer = '';
        socket.on('data', (d) => (answer += d.toString()));
        socket.on('error', () => {});
        socket.once('close', () => resolve(answer));
        setTimeout(() => reject(new Error('the server kept the connection open')), 25_000).unref();
      });
    const connect = (port: number) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = createConnection({ port, host: '127.0.0.1' }, () => resolve(socket));
        socket.once('error', reject);
      });
    const headers = (length: number) =>
      `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

    it('cuts off a request whose body stops half-way', async () => {
      const { app, port } = await listen();
      try {
        const socket = await connect(port);
        const closed = closedByServer(socket);
        socket.write(`${headers(100)}{"a":`);
        await closed;
      } finally {
        await app.close();
      }
    });

    it('cuts off a body dripped a byte at a time (each byte resets the idle timer)', async () => {
      const { app, port } = await listen();
      try {
        const socket = await connect(port);
        const closed = closedByServer(socket);
        socket.write(headers(10_000));
        const drip = setInterval(() => socket.writable && socket.write(' '), 300);
        const answer = await closed.finally(() => clearInterval(drip));
        expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
      } finally {
        await app.close();
      }
    });

    it('cuts off a client that never finishes its headers', async () => {
      const { app, port } = await listen({ ...limits, connectionTimeoutMs: 60_000 });
      try {
        const socket = await connect(port);
        const closed = closedByServer(socket);
        socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
        const drip = setInterval(() => socket.writable && socket.write('X-A: b\r\n'), 300);
        await closed.finally(() => clearInterval(drip));
      } finally {
        await app.close();
      }
    });

    it('refuses connections beyond the cap and keeps serving those it holds', async () => {
      const { app, port } = await listen({
        ...limits,
        connectionTimeoutMs: 60_000,
        requestTimeoutMs: 60_000,
        headersTimeoutMs: 60_000,
        maxConnections: 2,
      });
      const sockets: Socket[] = [];
      try {
        sockets.push(await connect(port), await connect(port));
        const count = promisify(app.server.getConnections.bind(app.server));
        await expect.poll(count, { timeout: 10_000 }).toBe(2);
        const third = await connect(port);
        sockets.push(third);
        await closedByServer(third);
        const first = closedByServer(sockets[0]!);
        sockets[0]!.write('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        expect(await first).toContain('HTTP/1.1 200');
      } finally {
        for (const s of sockets) s.destroy();
        await app.close();
      }
    });
  });
});
