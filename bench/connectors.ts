/**
 * Connector list: `npx tsx bench/connectors.ts [--requests 1000] [--connections 10]`.
 *
 * The service's GET /v1/connectors (the real API routes, bearer token, a fresh test database) in
 * front of the sandbox over real HTTP. One request first (it fills the cache), then N more by
 * autocannon (a child process, keep-alive) within the cache's TTL. Pluggy calls are counted where
 * they leave the client (its fetch), by path. Goal: no Pluggy call after the first request.
 * Not a test: nothing asserts a figure. Prints a markdown table and writes bench/results/connectors.md.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../src/config.ts';
import { createTestDatabase } from '../src/db/testing.ts';
import { apiRoutes } from '../src/http/routes/api.ts';
import { buildServer } from '../src/http/server.ts';
import { createLogger } from '../src/log.ts';
import { createPluggyClient } from '../src/pluggy/index.ts';
import { startSandbox } from '../src/sandbox/index.ts';
import { startBoss } from '../src/sync/jobs.ts';
import { resultsDir } from './resultsDir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '10' },
  },
});
const requests = Number(args.requests);
const TOKEN = 'bench-api-token-0123456789abcdef';

const calls = new Map<string, number>();
const countingFetch: typeof fetch = (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  calls.set(url.pathname, (calls.get(url.pathname) ?? 0) + 1);
  return fetch(input, init);
};
const snapshot = () => Object.fromEntries(calls);
const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
const describe = (m: Record<string, number>) =>
  Object.entries(m)
    .map(([p, n]) => `${p} ×${n}`)
    .join(', ') || 'none';

const logger = createLogger('silent');
const sandbox = await startSandbox({ port: 0, stepDelayMs: 5 });
const db = await createTestDatabase();
const cleanup: Array<() => Promise<unknown>> = [() => sandbox.close(), () => db.drop()];
try {
  const pluggy = createPluggyClient({
    baseUrl: sandbox.url,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    fetch: countingFetch,
  });
  const boss = await startBoss(db.url, logger, { schedule: false });
  cleanup.unshift(() => boss.stop({ graceful: false, wait: true }));
  const http = await buildServer({
    logger,
    pool: db.pool,
    plugins: [
      apiRoutes({
        pool: db.pool,
        pluggy,
        boss,
        logger,
        config: {
          apiTokens: [TOKEN],
          linkSigningSecret: 'bench-link-secret-xxxxxxxx',
          publicBaseUrl: 'http://localhost',
          mode: 'local',
        },
      }),
    ],
  });
  await http.listen({ port: 0, host: '127.0.0.1' });
  cleanup.unshift(() => http.close());
  const url = `http://127.0.0.1:${(http.server.address() as { port: number }).port}/v1/connectors`;

  const t0 = performance.now();
  const first = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  const firstMs = performance.now() - t0;
  const body = (await first.json()) as { data?: unknown[] };
  if (first.status !== 200) throw new Error(`first GET /v1/connectors answered ${first.status}`);
  const listed = body.data?.length ?? 0;
  const afterFirst = snapshot();
  calls.clear();

  const bin = path.join(ROOT, 'node_modules', '.bin', 'autocannon');
  const { stdout } = await promisify(execFile)(
    bin,
    ['-j', '-c', args.connections, '-a', String(requests), '-H', `authorization=Bearer ${TOKEN}`, url],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const r = JSON.parse(stdout);
  const during = snapshot();
  const failed = r.errors + r.timeouts + r.non2xx;

  const table = [
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    `| first request (fills the cache) | ${firstMs.toFixed(0)} ms, ${listed} connectors; Pluggy calls: ${sum(afterFirst)} (${describe(afterFirst)}) | |`,
    `| **Pluggy calls for the next ${requests} requests** | **${sum(during)}** (${describe(during)}) | 0 |`,
    `| those ${requests} requests, ${args.connections} connections | ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${failed} failed | |`,
  ].join('\n');
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  const report = [
    '# Connector list benchmark',
    '',
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average at the end ${load} (a machine shared with other work). \`npx tsx bench/connectors.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\`.`,
    '',
    table,
    '',
    'GET /v1/connectors through the real API (bearer token, rate limits, OpenAPI serialisation) with the',
    'sandbox as Pluggy; the list is cached for its TTL (default 1 h) and concurrent misses share one call',
    '(src/reads/connectors.ts). Pluggy calls are counted at the Pluggy client’s fetch.',
    '',
  ].join('\n');
  process.stdout.write(`${table}\n`);
  await mkdir(resultsDir(), { recursive: true });
  await writeFile(path.join(resultsDir(), 'connectors.md'), report);
  if (failed > 0) process.exitCode = 1;
} finally {
  for (const c of cleanup) await c().catch(() => {});
}
