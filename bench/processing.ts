/**
 * Webhook event processing: `npx tsx bench/processing.ts [--events 10000] [--concurrency 16]`.
 *
 * A burst of stored events through the real receiver (Fastify + webhook route, as the service wires
 * it, including the wake-up of the worker on each acknowledged delivery) and the real webhook
 * worker (src/webhooks/process.ts) with its per-event info log line (written to a discarding
 * stream, so its cost counts). Events that need no Pluggy call: `item/deleted` (mark the item
 * deleted, queue its purge), `connector/status_updated` (record the status) and event types the
 * service ignores (stored as ignored by the receiver, never queued). Two rounds:
 *
 * - live: the worker runs while the burst arrives, as in the service;
 * - backlog: the burst is stored with the worker stopped, then the worker starts (a restart after
 *   an outage); its latency includes the time the events waited for the worker.
 *
 * The load comes from a separate child process (node:http, keep-alive, 50 in flight), which
 * records when each delivery was acknowledged; processed_at comes from the database. Both clocks
 * are this machine's. Prints a markdown table and writes it to bench/results/processing.md.
 *
 * Not a test: nothing here asserts a speed. It does check that every acknowledged handled event
 * ended processed.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resultsDir } from './resultsDir.ts';

const HERE = fileURLToPath(import.meta.url);

type LoadResult = { seconds: number; ok: number; errors: number; acks: [string, number][] };

// ---------------------------------------------------------------- load generator (child process)

/** One delivery of the mix: 45 % item/deleted, 45 % connector/status_updated, 10 % ignored types. */
function delivery(n: number): { eventId: string; body: string } {
  const eventId = randomUUID();
  const kind = n % 20;
  const payload =
    kind < 9
      ? { event: 'item/deleted', eventId, itemId: randomUUID() }
      : kind < 18
        ? {
            event: 'connector/status_updated',
            eventId,
            id: String(200 + (n % 50)),
            data: { status: 'UNSTABLE' },
          }
        : { event: 'item/login_failed_unknown', eventId, itemId: randomUUID() };
  return { eventId, body: JSON.stringify(payload) };
}

async function generate(target: string, secret: string, total: number, concurrency: number) {
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
  const acks: [string, number][] = [];
  let next = 0;
  let ok = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const d = delivery(next++);
        const status = await send(d.body);
        if (status >= 200 && status < 300) {
          ok++;
          acks.push([d.eventId, Date.now()]);
        } else errors++;
      }
    }),
  );
  const result: LoadResult = { seconds: (performance.now() - started) / 1000, ok, errors, acks };
  agent.destroy();
  process.stdout.write(JSON.stringify(result));
}

// ---------------------------------------------------------------- service side + report

function markdownTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => `${'-'.repeat(w - 1)}:`)), ...rows.map(line)].join('\n');
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runGenerator(target: string, secret: string, total: number): Promise<LoadResult> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', HERE, '--generate', target, '--secret', secret, '--events', String(total)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out) as LoadResult;
}

async function main() {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '16' },
      generate: { type: 'string' },
      secret: { type: 'string' },
    },
  });
  const total = Number(values.events);
  if (values.generate) {
    await generate(values.generate, values.secret ?? '', total, 50);
    return;
  }
  const concurrency = Number(values.concurrency);

  const { createTestDatabase } = await import('../src/db/testing.ts');
  const { createPool } = await import('../src/db/pool.ts');
  const { buildServer } = await import('../src/http/server.ts');
  const { createLogger } = await import('../src/log.ts');
  const { createPluggyClient } = await import('../src/pluggy/index.ts');
  const { startBoss } = await import('../src/sync/jobs.ts');
  const { webhookRoutes } = await import('../src/webhooks/route.ts');
  const { startWebhookWorker } = await import('../src/webhooks/process.ts');
  type Worker = Awaited<ReturnType<typeof startWebhookWorker>>;

  const quiet = createLogger('warn', process.stderr);
  // The worker's one info line per event, serialized and thrown away: its cost is part of the figure.
  const discard = new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
  const processingLogger = createLogger('info', discard);
  const secret = `bench-${randomUUID()}`;
  const db = await createTestDatabase();
  // The service's pool at the default SYNC_CONCURRENCY (db/open.ts poolSizeFor).
  const pool = createPool(db.url, { max: 30 });
  const boss = await startBoss(db.url, quiet, { schedule: false, max: 4 });
  // Never called by these events; an address nothing listens on proves it.
  const pluggy = createPluggyClient({ baseUrl: 'http://127.0.0.1:1', clientId: 'x', clientSecret: 'y' });
  const deps = { pool, pluggy, boss, logger: processingLogger };
  let worker: Worker | undefined;
  const startWorker = async () => {
    worker = await startWebhookWorker(deps, { concurrency, redriveCron: false });
  };
  const app = await buildServer({
    logger: quiet,
    pool,
    plugins: [
      async (scope) => {
        scope.addHook('onResponse', async (_req, reply) => {
          if (reply.statusCode === 200) worker?.wake();
        });
        await scope.register(webhookRoutes({ pool, boss, secret, logger: quiet }));
      },
    ],
  });
  try {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const target = `${address}/webhooks/pluggy`;
    const headers = ['round', 'events', 'acks/s', 'processed/s', 'p50 ms', 'p99 ms', 'max ms', 'unprocessed'];
    const rows: string[][] = [];
    const loads: string[] = [];
    let allProcessed = true;
    for (const round of ['live', 'backlog'] as const) {
      await db.pool.query('TRUNCATE webhook_events');
      loads.push(os.loadavg()[0]!.toFixed(2));
      if (round === 'live') await startWorker();
      const r = await runGenerator(target, secret, total);
      const workerStart = Date.now();
      if (round === 'backlog') await startWorker();
      // Every handled event acknowledged must end processed; bounded so a regression cannot hang.
      const deadline = Date.now() + 300_000;
      const pending = async () =>
        Number(
          (
            await db.pool.query<{ n: string }>(
              `SELECT count(*) AS n FROM webhook_events WHERE outcome NOT IN ('processed', 'ignored')`,
            )
          ).rows[0]?.n,
        );
      let left = await pending();
      while (left > 0 && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 100));
        left = await pending();
      }
      await worker?.();
      worker = undefined;
      allProcessed &&= left === 0;

      const processed = await db.pool.query<{ eventId: string; at: number }>(
        `SELECT event_id AS "eventId", (extract(epoch FROM processed_at) * 1000)::float8 AS at
         FROM webhook_events WHERE outcome = 'processed'`,
      );
      const ackOf = new Map(r.acks);
      const latencies = processed.rows
        .map((p) => p.at - (ackOf.get(p.eventId) ?? Number.NaN))
        .filter((v) => Number.isFinite(v))
        .sort((a, b) => a - b);
      const firstAck = Math.min(...r.acks.map(([, at]) => at));
      const lastProcessed = Math.max(...processed.rows.map((p) => p.at));
      const from = round === 'live' ? firstAck : workerStart;
      const perSecond = processed.rows.length / ((lastProcessed - from) / 1000);
      const ms = (v: number) => v.toFixed(0);
      const row = [
        round,
        String(r.ok),
        String(Math.round(r.ok / r.seconds)),
        String(Math.round(perSecond)),
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
        ms(latencies[latencies.length - 1] ?? Number.NaN),
        String(left),
      ];
      rows.push(row);
      process.stdout.write(`${row.join(' ')}\n`);
    }
    const table = markdownTable(headers, rows);
    const pgVersion = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]
      ?.server_version;
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const cores = os.cpus().length;
    const setup = [
      `${total} deliveries per round (45 % item/deleted, 45 % connector/status_updated, 10 % ignored types),`,
      `50 in flight from a separate process. processed/s counts the handled events (the ignored ones are`,
      `settled by the receiver and never queued): live from the first ack, backlog from the worker's start,`,
      `to the last processed_at. Latency: ack → processed_at, handled events only. Worker: ${concurrency} events`,
      `in flight (the service's default at SYNC_CONCURRENCY=2), up to 50 jobs per fetch, commits that do not`,
      `wait for their WAL flush (src/webhooks/process.ts says why that is safe), one info log line per event;`,
      `pool of 30. PostgreSQL ${pgVersion} on 127.0.0.1; ${cores} × ${cpu}, Node ${process.version}.`,
      `1-minute load average at the start of each round: ${loads.join(', ')} — the machine was shared with`,
      `other work (other helpers' test suites and benchmarks) competing for the same ${cores} cores; compare`,
      `with the receiver's own acks/s on a quiet machine (bench/results/webhooks.md) to judge the slowdown.`,
    ].join('\n');
    const report = `# Webhook event processing benchmark\n\n${table}\n\n${setup}\n\nRun: ${new Date().toISOString()}\n`;
    process.stdout.write(`\n${table}\n\n${setup}\n`);
    await mkdir(resultsDir(), { recursive: true });
    await writeFile(path.join(resultsDir(), 'processing.md'), report);
    if (!allProcessed) process.exitCode = 1;
  } finally {
    await worker?.();
    await app.close();
    await boss.stop({ graceful: false, wait: true });
    await pool.end();
    await db.drop();
  }
}

await main();
