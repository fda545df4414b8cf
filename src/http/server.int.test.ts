import { Writable } from 'node:stream';
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
          a.post('/webhooks/pluggy/:secret', async () => {
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
    expect(log).not.toContain(secret);
  });
});
