/**
 * Webhook receiver throughput: `npx tsx bench/webhooks.ts [--requests 20000] [--concurrency 50]`.
 *
 * The real receiver (route + one transaction: insert into webhook_events, pg-boss enqueue, COMMIT)
 * on a fresh test database with durable commits (synchronous_commit as the server has it, `on` by
 * default), listening on loopback in this process. The load comes from a separate child process
 * (node:http, keep-alive, N in flight, unique eventIds), so generating load does not steal this
 * event loop. Prints a markdown table and writes it to bench/results/webhooks.md.
 *
 * Not a test: nothing here asserts a speed. It does check that every acknowledged event is stored
 * with exactly one job, since an ack without a commit would make the figures meaningless.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = fileURLToPath(import.meta.url);

type LoadResult = {
  requests: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  latenciesMs: number[];
};

// ---------------------------------------------------------------- load generator (child process)

async function generate(
  target: string,
  secret: string,
  total: number,
  concurrency: number,
  maxSeconds: number,
) {
  const url = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const send = (body: string) =>
    new Promise<number>((resolve) => {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-webhook-secret': secret,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  // A realistic transactions/created delivery (contract part 03 §2.10), each with its own eventId.
  const itemId = randomUUID();
  const accountId = randomUUID();
  const body = () =>
    JSON.stringify({
      event: 'transactions/created',
      eventId: randomUUID(),
      itemId,
      accountId,
      transactionsCount: 3,
      transactionsCreatedAtFrom: new Date().toISOString(),
      createdTransactionsLink: `https://api.pluggy.ai/transactions?accountId=${accountId}`,
    });

  // Warm-up (connections, JIT, plan cache): not counted.
  const warm = Math.min(1000, Math.floor(total / 10));
  let w = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (w++ < warm) await send(body());
    }),
  );

  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  let ok = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && performance.now() < deadline) {
        next++;
        const payload = body();
        const t0 = performance.now();
        const status = await send(payload);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status >= 200 && status < 300) ok++;
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const result: LoadResult = {
    requests: latencies.length,
    ok,
    errors,
    statuses,
    seconds,
    latenciesMs: latencies,
  };
  process.stdout.write(JSON.stringify({ ...result, warm }));
}

// ---------------------------------------------------------------- receiver + report (this process)

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '50' },
      'max-seconds': { type: 'string', default: '60' },
      pool: { type: 'string', default: '20' },
      generate: { type: 'string' },
      secret: { type: 'string' },
    },
  });
  const total = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const maxSeconds = Number(values['max-seconds']);
  if (values.generate) {
    await generate(values.generate, values.secret ?? '', total, concurrency, maxSeconds);
    return;
  }

  const { createTestDatabase } = await import('../src/db/testing.ts');
  const { createPool } = await import('../src/db/pool.ts');
  const { buildServer } = await import('../src/http/server.ts');
  const { createLogger } = await import('../src/log.ts');
  const { startBoss } = await import('../src/sync/jobs.ts');
  const { webhookRoutes } = await import('../src/webhooks/route.ts');

  const logger = createLogger('warn', process.stderr);
  const secret = `bench-${randomUUID()}`;
  const db = await createTestDatabase();
  const poolSize = Number(values.pool);
  const pool = createPool(db.url, { max: poolSize });
  const boss = await startBoss(db.url, logger, { schedule: false, max: 2 });
  const app = await buildServer({
    logger: createLogger('warn', process.stderr),
    pool,
    plugins: [webhookRoutes({ pool, boss, secret, logger })],
  });
  try {
    const syncCommit = (await pool.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s"))
      .rows[0]?.s;
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        HERE,
        '--generate',
        `${address}/webhooks/pluggy`,
        '--secret',
        secret,
        '--requests',
        String(total),
        '--concurrency',
        String(concurrency),
        '--max-seconds',
        String(maxSeconds),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`load generator exited with ${code}`);
    const r = JSON.parse(out) as LoadResult & { warm: number };

    // Every ack must be a committed event with its job (warm-up included).
    const stored = Number(
      (await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM webhook_events')).rows[0]?.n,
    );
    const jobs = Number(
      (
        await db.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM pgboss.job WHERE name = 'webhook-event'`,
        )
      ).rows[0]?.n,
    );

    const sorted = [...r.latenciesMs].sort((a, b) => a - b);
    const ms = (v: number) => v.toFixed(1);
    const table = [
      '| requests | acks/s | p50 ms | p90 ms | p99 ms | max ms | errors |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      `| ${r.requests} | ${Math.round(r.ok / r.seconds)} | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 90))} | ${ms(percentile(sorted, 99))} | ${ms(sorted[sorted.length - 1] ?? Number.NaN)} | ${r.errors} |`,
    ].join('\n');
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const setup = [
      `Concurrency ${concurrency} (keep-alive), ${r.warm} warm-up requests not counted, unique eventIds,`,
      `\`transactions/created\` bodies (~330 B). Receiver: Fastify + webhook route + pg-boss enqueue in one`,
      `transaction per event, pool of ${poolSize} connections, synchronous_commit=${syncCommit}; PostgreSQL on`,
      `127.0.0.1; load generator in a separate process. ${os.cpus().length} × ${cpu}, Node ${process.version}.`,
      `Check: ${stored} events stored, ${jobs} jobs enqueued for ${r.ok + r.warm} acknowledged requests` +
        (stored === r.ok + r.warm && jobs === stored ? ' (all accounted for).' : ' — MISMATCH.'),
      Object.keys(r.statuses).some((s) => s !== '200') ? `Statuses: ${JSON.stringify(r.statuses)}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    const report = `# Webhook receiver benchmark\n\n${table}\n\n${setup}\n\nRun: ${new Date().toISOString()}\n`;
    process.stdout.write(`${table}\n\n${setup}\n`);
    const resultsDir = path.join(path.dirname(HERE), 'results');
    await mkdir(resultsDir, { recursive: true });
    await writeFile(path.join(resultsDir, 'webhooks.md'), report);
    if (stored !== r.ok + r.warm || jobs !== stored) process.exitCode = 1;
  } finally {
    await app.close();
    await boss.stop({ graceful: false, wait: true });
    await pool.end();
    await db.drop();
  }
}

await main();
