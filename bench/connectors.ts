/**
 * Connector list: `npx tsx bench/connectors.ts [--requests 1000] [--connections 10]`.
 *
 * The service's GET /v1/connectors (the real API routes, bearer token, a fresh test database) in
 * front of the sandbox over real HTTP, served by two api processes' worth of parts (each its own pool,
 * Pluggy client and in-memory list) on one database. One request to the first (it fills the shared
 * list), one to the second (it must find that list in PostgreSQL), then N more by autocannon (child
 * processes, keep-alive), half to each, within the TTL. Pluggy calls are counted where they leave the
 * clients (their fetch), by path. Goal: no Pluggy call after the first request, in either process.
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
import { createLogger } from '../src/log.ts';
import { createPluggyClient } from '../src/pluggy/index.ts';
import { startSandbox } from '../src/sandbox/index.ts';
import { startBoss } from '../src/sync/jobs.ts';
import { BENCH_API_TOKEN, startApiServer } from './apiServer.ts';
import { resultsDir } from './resultsDir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '10' },
  },
});
const requests = Number(args.requests);
const TOKEN = BENCH_API_TOKEN;

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
  const boss = await startBoss(db.url, logger, { schedule: false });
  cleanup.unshift(() => boss.stop({ graceful: false, wait: true }));
  /** One api process's worth: its own pool, Pluggy client and in-memory list, on the one database. */
  const apiProcess = async () => {
    const pluggy = createPluggyClient({
      baseUrl: sandbox.url,
      clientId: SANDBOX_CLIENT_ID,
      clientSecret: SANDBOX_CLIENT_SECRET,
      fetch: countingFetch,
    });
    const api = await startApiServer({ databaseUrl: db.url, pluggy, boss, logger, poolSize: 10 });
    cleanup.unshift(() => api.close());
    return `${api.base}/v1/connectors`;
  };
  const [url, url2] = [await apiProcess(), await apiProcess()];
  const get = async (u: string) => {
    const t = performance.now();
    const res = await fetch(u, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await res.json()) as { data?: unknown[] };
    if (res.status !== 200) throw new Error(`GET /v1/connectors answered ${res.status}`);
    return { ms: performance.now() - t, listed: body.data?.length ?? 0 };
  };

  const first = await get(url!);
  const afterFirst = snapshot();
  calls.clear();
  // The second process has never asked Pluggy: it finds the first one's list in PostgreSQL.
  const second = await get(url2!);
  const afterSecond = snapshot();
  calls.clear();

  const bin = path.join(ROOT, 'node_modules', '.bin', 'autocannon');
  // Half the requests to each process, at the same time (half the connections each).
  const half = (u: string) =>
    promisify(execFile)(
      bin,
      [
        '-j',
        '-c',
        String(Math.max(1, Math.floor(Number(args.connections) / 2))),
        '-a',
        String(Math.floor(requests / 2)),
        '-H',
        `authorization=Bearer ${TOKEN}`,
        u,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    ).then(({ stdout }) => JSON.parse(stdout));
  const t0 = performance.now();
  const runs = await Promise.all([half(url!), half(url2!)]);
  const seconds = (performance.now() - t0) / 1000;
  const during = snapshot();
  const failed = runs.reduce((n, r) => n + r.errors + r.timeouts + r.non2xx, 0);
  const served = runs.reduce((n, r) => n + r.requests.total, 0);
  const p50 = Math.max(...runs.map((r) => r.latency.p50));
  const p99 = Math.max(...runs.map((r) => r.latency.p99));

  const table = [
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    `| first request, api process A (fills the shared list) | ${first.ms.toFixed(0)} ms, ${first.listed} connectors; Pluggy calls: ${sum(afterFirst)} (${describe(afterFirst)}) | |`,
    `| first request, api process B (reads A's list from PostgreSQL) | ${second.ms.toFixed(0)} ms, ${second.listed} connectors; Pluggy calls: ${sum(afterSecond)} (${describe(afterSecond)}) | 0 |`,
    `| **Pluggy calls for the next ${served} requests, half to each** | **${sum(during)}** (${describe(during)}) | 0 |`,
    `| those ${served} requests, ${args.connections} connections in all | ${Math.round(served / seconds)} req/s, p50 ≤ ${p50} ms, p99 ≤ ${p99} ms (worse of the two), ${failed} failed | |`,
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
    'sandbox as Pluggy, served by two api "processes" (each its own pool, Pluggy client and in-memory copy,',
    'in this one bench process) on one database. The list is kept in PostgreSQL (connector_catalog) for its',
    'TTL (default 1 h) for every process; concurrent misses share one call (src/reads/connectors.ts). Pluggy',
    'calls are counted at the Pluggy clients’ fetch. The API key (/auth) is kept per process: see README.',
    '',
  ].join('\n');
  process.stdout.write(`${table}\n`);
  await mkdir(resultsDir(), { recursive: true });
  await writeFile(path.join(resultsDir(), 'connectors.md'), report);
  if (failed > 0) process.exitCode = 1;
} finally {
  for (const c of cleanup) await c().catch(() => {});
}
