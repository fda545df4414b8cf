/**
 * Generated requests against every /v1 route over real HTTP, the API assembled as the service
 * does it (buildServer + apiRoutes) with a real database and the sandbox as Pluggy: random paths
 * under the known routes (odd phones and ids, extra segments), query strings (the filters' names
 * with odd values, unknown names), bodies (JSON, broken JSON, other types) and headers (Accept,
 * Content-Type), with and without the bearer token. Whatever arrives: never a 5xx (the database
 * stays up here, so not even a 503), every error is problem+json with a code, and the server is
 * still serving at the end.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../../config.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing.ts';
import { createLogger } from '../../log.ts';
import { createPluggyClient } from '../../pluggy/index.ts';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { type Boss, startBoss } from '../../sync/jobs.ts';
import { buildServer } from '../server.ts';
import { apiRoutes } from './api.ts';

const TOKEN = 'fuzz-api-token-0123456789abcdef';
const PHONE = '+5511987654321';
const REQUESTS = 10_000;
const IN_FLIGHT = 32;
/** A failure names its seed: put it here to replay that run exactly. */
const REPLAY_SEED: number | undefined = undefined;

let t: TestDatabase;
let sandbox: Sandbox;
let boss: Boss;
let http: FastifyInstance;
let base = '';
const routes: Array<{ method: string; url: string }> = [];

beforeAll(async () => {
  t = await createTestDatabase();
  sandbox = await startSandbox({ port: 0, stepDelayMs: 5 });
  const logger = createLogger('silent');
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
      apiRoutes({
        pool: t.pool,
        pluggy,
        boss,
        logger,
        config: {
          apiTokens: [TOKEN],
          linkSigningSecret: 'link-secret-for-fuzz-tests-xxxx',
          publicBaseUrl: 'https://bridge.example',
          mode: 'local',
        },
        // High enough that the fuzzer reaches the handlers rather than the limiter.
        rateLimits: { perIp: 1_000_000, perKey: 1_000_000, windowMs: 60_000 },
      }),
    ],
  });
  await http.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(http.server.address() as { port: number }).port}`;
  // A person, so generated paths with this phone reach real rows.
  await fetch(`${base}/v1/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ phone: PHONE }),
  });
}, 120_000);
afterAll(async () => {
  await http?.close();
  await boss?.stop({ graceful: false, wait: true });
  await sandbox?.close();
  await t?.drop();
});

const oddString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.constantFrom(
    '',
    '\u0000',
    '\ud800',
    '..',
    '%',
    '%00',
    '%zz',
    '__proto__',
    'constructor',
    'null',
    '-1',
    '1e999',
  ),
);
const phone = fc.oneof(
  fc.constantFrom(PHONE, '11987654321', '(11) 98765-4321', '+1 202 555 0100', '+55', '0'),
  fc.stringMatching(/^\+?[0-9 ()-]{0,20}$/),
  oddString,
);
const id = fc.oneof(fc.uuid(), oddString, fc.constant('x'.repeat(300)));
/** A path segment as a client might write it, encoded or deliberately not. */
const segment = (value: fc.Arbitrary<string>) =>
  fc.tuple(value, fc.nat(9)).map(([v, n]) => {
    if (n === 0) return v.replace(/[/?#]/g, ''); // raw, odd bytes and all
    try {
      return encodeURIComponent(v);
    } catch {
      return encodeURIComponent(v.replace(/[\ud800-\udfff]/g, ''));
    }
  });

const QUERY_NAMES = [
  'accountId',
  'itemId',
  'from',
  'to',
  'categoryId',
  'type',
  'status',
  'minAmount',
  'maxAmount',
  'q',
  'limit',
  'cursor',
  'name',
  'openFinance',
  'token',
  'connectorId',
];
const queryValue = fc.oneof(
  oddString,
  fc.constantFrom(
    'DEBIT',
    'CREDIT',
    'PENDING',
    'POSTED',
    'true',
    'false',
    '2025-01-01',
    '2025-13-45',
    'T',
    '0',
    '500',
    '501',
  ),
  fc.integer().map(String),
  fc.double().map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_NAMES), oddString), queryValue), { maxLength: 5 })
  .map((pairs) => {
    const qs = pairs
      .map(([k, v]) => {
        const enc = (s: string) => {
          try {
            return encodeURIComponent(s);
          } catch {
            return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''));
          }
        };
        return `${enc(k)}=${enc(v)}`;
      })
      .join('&');
    return qs ? `?${qs}` : '';
  });

const jsonBody = fc.oneof(
  fc.record({ phone }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
  fc
    .record(
      {
        token: id,
        itemId: id,
        connectorId: fc.oneof(fc.integer(), oddString),
        parameters: fc.jsonValue({ maxDepth: 3 }),
      },
      { requiredKeys: [] },
    )
    .map((b) => JSON.stringify(b)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
  fc.constant('{"phone":'),
  fc.constant(`{"phone":"${'9'.repeat(20_000)}"}`),
);

type Generated = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
};

const request = (): fc.Arbitrary<Generated> => {
  const known = routes.filter((r) => r.url.startsWith('/v1') && r.method !== 'HEAD');
  const template = fc.constantFrom(...known);
  const path = fc
    .tuple(
      template,
      phone,
      id,
      id,
      fc.option(fc.array(segment(oddString), { maxLength: 2 }), { nil: undefined }),
    )
    .chain(([r, p, a, b, extra]) =>
      fc
        .tuple(segment(fc.constant(p)), segment(fc.constant(a)), segment(fc.constant(b)))
        .map(([ps, as, bs]) => {
          const filled = r.url
            .replace(':phone', ps)
            .replace(/:(accountId|itemId)/, as)
            .replace(/:\w+/g, bs);
          return { method: r.method, path: extra?.length ? `${filled}/${extra.join('/')}` : filled };
        }),
    );
  const headers = fc
    .record(
      {
        authorization: fc.oneof(
          { weight: 6, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
          { weight: 1, arbitrary: fc.constantFrom('Bearer wrong', 'Basic x', TOKEN, 'Bearer ', '') },
        ),
        accept: fc.constantFrom(
          'application/json',
          'text/csv',
          '*/*',
          'text/html',
          'application/xml, text/csv;q=0.5',
        ),
        'content-type': fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/octet-stream',
        ),
      },
      { requiredKeys: [] },
    )
    .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== '')) as Record<string, string>);
  return fc
    .tuple(
      path,
      query,
      fc.option(jsonBody, { nil: undefined }),
      headers,
      fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', undefined, undefined, undefined),
    )
    .map(([p, q, body, h, otherMethod]) => {
      const method = otherMethod ?? p.method;
      return {
        method,
        path: `${p.path}${q}`,
        headers: h,
        body: method === 'GET' || method === 'DELETE' ? undefined : body,
      };
    });
};

describe('API fuzzing', () => {
  it(`${REQUESTS} generated requests over HTTP: never a 5xx, problem+json with a code for every error, still serving`, async () => {
    const seed = REPLAY_SEED ?? Date.now() % 2 ** 31;
    const generated = fc.sample(request(), { numRuns: REQUESTS, seed });
    const failures: Array<Generated & { status: number; type: string | null; text: string }> = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < generated.length; i += IN_FLIGHT) {
      await Promise.all(
        generated.slice(i, i + IN_FLIGHT).map(async (g) => {
          let status = 0;
          let type: string | null = null;
          let text = '';
          try {
            const res = await fetch(`${base}${g.path}`, {
              method: g.method,
              headers: g.headers,
              ...(g.body !== undefined ? { body: g.body } : {}),
              signal: AbortSignal.timeout(30_000),
            });
            status = res.status;
            type = res.headers.get('content-type');
            text = await res.text();
          } catch (err) {
            text = `request failed: ${(err as Error).message}`;
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          let ok = status > 0 && status < 500;
          if (ok && status >= 400) {
            try {
              ok =
                !!type?.startsWith('application/problem+json') && typeof JSON.parse(text).code === 'string';
            } catch {
              ok = false;
            }
          }
          if (!ok)
            failures.push({ ...g, body: g.body?.slice(0, 200), status, type, text: text.slice(0, 300) });
        }),
      );
    }
    expect(
      failures.slice(0, 5),
      `seed ${seed}; ${failures.length} failures; statuses ${JSON.stringify([...statuses])}`,
    ).toEqual([]);
    // Not vacuous: the handlers were reached (2xx) and the validation refused (4xx).
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(statuses.get(404)).toBeGreaterThan(0);
    // Still serving.
    const after = await fetch(`${base}/v1/connectors`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(after.status).toBe(200);
    const health = await fetch(`${base}/health/live`);
    expect(health.status).toBe(200);
  }, 300_000);
});
