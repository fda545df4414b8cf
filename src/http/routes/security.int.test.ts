import { Writable } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../../config.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing.ts';
import { createLogger } from '../../log.ts';
import { createPluggyClient } from '../../pluggy/index.ts';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { type Boss, startBoss } from '../../sync/jobs.ts';
import { webhookRoutes } from '../../webhooks/route.ts';
import { isPublicRoute } from '../auth.ts';
import { buildServer } from '../server.ts';
import { apiRoutes } from './api.ts';

/**
 * The HTTP surface as the service assembles it (webhook receiver + API), with a route collector
 * registered first, so every route anyone adds later is covered by the 401 walk automatically.
 */
const TOKEN = 'security-test-token-0123456789';
const METRICS_TOKEN = 'metrics-only-token-0123456789';
const PUBLIC_BASE_URL = 'https://bridge.example';
let t: TestDatabase;
let sandbox: Sandbox;
let boss: Boss;
let http: FastifyInstance;
const routes: Array<{ method: string; url: string }> = [];
const logLines: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  sandbox = await startSandbox({ port: 0, stepDelayMs: 5 });
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  boss = await startBoss(t.url, logger, { schedule: false });
  const pluggy = createPluggyClient({
    baseUrl: sandbox.url,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
  });
  const collector: FastifyPluginAsync = async (app) => {
    app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    });
  };
  (collector as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  http = await buildServer({
    logger,
    pool: t.pool,
    plugins: [
      collector,
      webhookRoutes({ pool: t.pool, boss, secret: 'a-webhook-secret-for-tests', logger }),
      apiRoutes({
        pool: t.pool,
        pluggy,
        boss,
        logger,
        config: {
          apiTokens: [TOKEN],
          linkSigningSecret: 'link-secret-for-security-tests',
          publicBaseUrl: PUBLIC_BASE_URL,
          mode: 'local',
          metricsToken: METRICS_TOKEN,
        },
        rateLimits: { perIp: 1000, perKey: 3, windowMs: 60_000 },
      }),
    ],
  });
  await http.ready();
}, 60_000);
afterAll(async () => {
  await http?.close();
  await boss?.stop({ graceful: false, wait: true });
  await sandbox?.close();
  await t?.drop();
});

const fill = (url: string) =>
  url.replace(/:(\w+)/g, (_, name) => (name === 'phone' ? '+5511987654321' : 'x'));

describe('bearer token on every route that is not public', () => {
  it('answers 401 problem+json for each registered non-public route, without and with a wrong token', async () => {
    const guarded = routes.filter((r) => !isPublicRoute(r.method, r.url));
    // Not vacuous: the API's routes are in the table.
    expect(guarded.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'POST /v1/users',
        'GET /v1/users/:phone/transactions',
        'DELETE /v1/users/:phone',
        'GET /v1/connectors',
        'GET /metrics',
        'POST /api/pluggy-v2/connect-token',
      ]),
    );
    expect(guarded.length).toBeGreaterThan(20);
    for (const r of guarded) {
      for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${TOKEN}`, TOKEN]) {
        const res = await http.inject({
          method: r.method as 'GET',
          url: fill(r.url),
          headers: authorization ? { authorization } : {},
          ...(r.method === 'POST' ? { payload: {} } : {}),
        });
        expect(res.statusCode, `${r.method} ${r.url} ${authorization}`).toBe(401);
        if (r.method === 'HEAD') continue;
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json().code).toMatch(/^(missing|invalid)-token$/);
        expect(res.headers['www-authenticate']).toBe('Bearer');
      }
    }
    const ok = await http.inject({
      method: 'GET',
      url: '/v1/connectors',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('public routes answer without a token', async () => {
    for (const url of ['/health', '/openapi.json', '/docs']) {
      const res = await http.inject({ method: 'GET', url });
      expect(res.statusCode, url).not.toBe(401);
      expect(res.statusCode, url).toBeLessThan(400);
    }
    const link = await http.inject({ method: 'POST', url: '/v1/connect/session', payload: { link: 'nope' } });
    expect(link.statusCode).toBe(401);
    expect(link.json().code).toBe('link-malformed');
  });

  it('METRICS_TOKEN opens /metrics and nothing else', async () => {
    const headers = { authorization: `Bearer ${METRICS_TOKEN}` };
    // What the shared rate budget counts as requests reach Pluggy (src/db/queries/rateBudget.ts).
    await t.pool.query(
      `INSERT INTO pluggy_call_counts (minute, scope, calls, rate_limited)
       VALUES (date_trunc('minute', now()), 'GET /transactions', 7, 2)`,
    );
    const metrics = await http.inject({ method: 'GET', url: '/metrics', headers });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('pluggy_bridge_http_request_duration_seconds');
    expect(metrics.body).toContain('pluggy_bridge_queue_depth{queue="item-sync"}');
    expect(metrics.body).toContain(
      'pluggy_bridge_pluggy_requests_last_hour{endpoint="GET /transactions",result="sent"} 7',
    );
    expect(metrics.body).toContain(
      'pluggy_bridge_pluggy_requests_last_hour{endpoint="GET /transactions",result="429"} 2',
    );
    expect((await http.inject({ method: 'GET', url: '/v1/connectors', headers })).statusCode).toBe(401);
  });
});

describe('the rest of the security surface', () => {
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('security headers, CORS only for PUBLIC_BASE_URL, small bodies', async () => {
    const res = await http.inject({
      method: 'GET',
      url: '/v1/connectors',
      headers: { ...auth, origin: PUBLIC_BASE_URL },
    });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['access-control-allow-origin']).toBe(PUBLIC_BASE_URL);
    const evil = await http.inject({
      method: 'GET',
      url: '/v1/connectors',
      headers: { ...auth, origin: 'https://evil.example' },
    });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const big = await http.inject({
      method: 'POST',
      url: '/v1/users',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ phone: 'x'.repeat(20_000) }),
    });
    expect(big.statusCode).toBe(413);
  });

  it('link minting is rate limited per person, exchange per link, with Retry-After', async () => {
    await http.inject({
      method: 'POST',
      url: '/v1/users',
      headers: auth,
      payload: { phone: '+5511912345678' },
    });
    const mint = () =>
      http.inject({
        method: 'POST',
        url: '/v1/users/+5511912345678/connect-links',
        headers: auth,
        payload: {},
      });
    const statuses: number[] = [];
    let link = '';
    for (let i = 0; i < 4; i++) {
      const r = await mint();
      statuses.push(r.statusCode);
      if (r.statusCode === 201) link = r.json().url;
      else {
        expect(r.json().code).toBe('too-many-requests');
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    const exchange: number[] = [];
    for (let i = 0; i < 4; i++) {
      exchange.push(
        (await http.inject({ method: 'POST', url: '/v1/connect/session', payload: { link } })).statusCode,
      );
    }
    expect(exchange).toEqual([200, 200, 200, 429]);
  });

  it('phone numbers never reach a log line, even in failures', async () => {
    logLines.length = 0;
    await http.inject({ method: 'GET', url: '/v1/users/+5511977776666', headers: auth });
    await http.inject({ method: 'GET', url: '/v1/users/5511977776666/items', headers: auth });
    await http.inject({ method: 'GET', url: '/api/pluggy-v2/user/5511977776666/items', headers: auth });
    const logs = logLines.join('');
    expect(logs).toContain(encodeURIComponent('+55119****6666'));
    expect(logs).not.toContain('77776666');
  });

  it('a Pluggy outage is a 503 with Retry-After, not a 500', async () => {
    await http.inject({
      method: 'POST',
      url: '/v1/users',
      headers: auth,
      payload: { phone: '+5511933332222' },
    });
    const mint = await http.inject({
      method: 'POST',
      url: '/api/pluggy-v2/connect-token',
      headers: auth,
      payload: { phoneNumber: '+5511933332222' },
    });
    expect(mint.statusCode).toBe(200);
    const id = sandbox.admin.addFault({ kind: 'respond', path: '/connect_token', status: 503, times: 100 });
    const res = await http.inject({
      method: 'POST',
      url: '/api/pluggy-v2/connect-token',
      headers: auth,
      payload: { phoneNumber: '+5511933332222' },
    });
    sandbox.admin.removeFault(id);
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('pluggy-unavailable');
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('the interactive docs are served', async () => {
    const res = await http.inject({ method: 'GET', url: '/docs' });
    const page =
      res.statusCode === 302 ? await http.inject({ method: 'GET', url: res.headers.location! }) : res;
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/swagger/i);
  });

  it('OpenAPI is generated from the route schemas', async () => {
    const doc = (await http.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/users', '/v1/users/{phone}/transactions', '/v1/connect/session']),
    );
    const tx = doc.paths['/v1/users/{phone}/transactions'].get;
    expect(tx.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'cursor', 'q']),
    );
    expect(JSON.stringify(tx.responses['200'])).toContain('nextCursor');
  });

  it('connectors are cached: no Pluggy call within the TTL; filters by name, type, Open Finance', async () => {
    await http.inject({ method: 'GET', url: '/v1/connectors', headers: auth });
    sandbox.admin.resetRequests();
    const all = (await http.inject({ method: 'GET', url: '/v1/connectors', headers: auth })).json().data;
    const named = (
      await http.inject({ method: 'GET', url: '/v1/connectors?name=pluggy%20BANK', headers: auth })
    ).json().data;
    const of = (
      await http.inject({ method: 'GET', url: '/v1/connectors?openFinance=true', headers: auth })
    ).json().data;
    expect(sandbox.admin.requests().filter((r) => r.path === '/connectors')).toEqual([]);
    expect(all.some((c: { isSandbox: boolean }) => c.isSandbox)).toBe(true); // local mode
    expect(named.length).toBeGreaterThan(0);
    expect(named.every((c: { name: string }) => /pluggy bank/i.test(c.name))).toBe(true);
    expect(of.length).toBeGreaterThan(0);
    expect(of.every((c: { isOpenFinance: boolean }) => c.isOpenFinance)).toBe(true);
  });

  it('old paths: same auth, old envelope, Deprecation and Link headers', async () => {
    const res = await http.inject({ method: 'GET', url: '/api/pluggy-v2/test', headers: auth });
    expect(res.json()).toEqual({ success: true, data: { status: 'ok' } });
    expect(res.headers.deprecation).toMatch(/^@\d+$/);
    expect(res.headers.link).toContain('successor-version');
    const token = await http.inject({
      method: 'POST',
      url: '/api/pluggy-v2/connect-token',
      headers: auth,
      payload: { phoneNumber: '+5511955554444' },
    });
    expect(token.statusCode).toBe(200);
    expect(token.json().data.connectUrl).toContain(`${PUBLIC_BASE_URL}/connect?link=`);
    expect(token.json().data.accessToken).toMatch(/^eyJ/);
    const items = await http.inject({
      method: 'GET',
      url: '/api/pluggy-v2/user/5511955554444/items',
      headers: auth,
    });
    expect(items.json()).toEqual({ success: true, data: [] });
    const fd = await http.inject({
      method: 'GET',
      url: '/api/pluggy-v2/user/5511955554444/financial-data',
      headers: auth,
    });
    expect(fd.json().data.person.phone).toBe('+5511955554444');
    const unknown = await http.inject({
      method: 'GET',
      url: '/api/pluggy-v2/item/00000000-0000-4000-8000-00000000dead/accounts',
      headers: auth,
    });
    expect(unknown.statusCode).toBe(404);
    // A malformed id never reaches a lookup (nor Pluggy): 400 naming the field.
    const malformed = await http.inject({
      method: 'GET',
      url: '/api/pluggy-v2/item/..%2F/accounts',
      headers: auth,
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
