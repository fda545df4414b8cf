/**
 * Webhook receiver throughput: `npx tsx bench/webhooks.ts [--requests 20000] [--concurrency 50]`.
 *
 * The real receiver (webhook route: auth, envelope check, then concurrent deliveries batched, each
 * batch one transaction: the event rows in one INSERT and their jobs through pg-boss's `insert`,
 * sent pipelined on the receiver's own connections — src/webhooks/receive.ts) on a fresh
 * test database with durable commits (synchronous_commit as the server has it, `on` by default),
 * listening on loopback in this process. The load comes from a separate child process
 * (node:http, keep-alive, N in flight, unique eventIds), so generating load does not steal this
 * event loop. Prints a markdown table and writes it to bench/results/webhooks.md.
 *
 * Besides acks/s and latency it prints the CPU time each 1,000 requests cost the receiver, the
 * PostgreSQL server and the load generator, and the transactions they took: on a machine shared
 * with other work those move far less than the speed does.
 *
 * Not a test: nothing here asserts a speed. It does check that every acknowledged event is stored
 * with exactly one job, since an ack without a commit would make the figures meaningless.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resultsDir } from './resultsDir.ts';

const HERE = fileURLToPath(import.meta.url);

type LoadResult = {
  requests: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  latenciesMs: number[];
};
/** Warm-up requests: not timed, but their acks count in the stored-vs-acknowledged check. */
type WarmResult = {
  warm: number;
  warmOk: number;
  warmStatuses: Record<string, number>;
  /** CPU time the load generator used (its own process), warm-up included. */
  cpuSeconds: number;
};

// ---------------------------------------------------------------- load generator (child process)

async function generate(
  target: string,
  secret: string,
  total: number,
  concurrency: number,
  maxSeconds: number,
) {
  const cpuAtStart = process.cpuUsage();
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
  // A realistic transactions/created delivery (docs/pluggy.md#transaction-events), each with its own eventId.
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

  // Warm-up (connections, JIT, plan cache): not timed. Its statuses are counted all the same: only
  // a 2xx is an acknowledged event that must be found stored.
  const warm = Math.min(1000, Math.floor(total / 10));
  const warmStatuses: Record<string, number> = {};
  let warmOk = 0;
  let w = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (w++ < warm) {
        const status = await send(body());
        warmStatuses[status] = (warmStatuses[status] ?? 0) + 1;
        if (status >= 200 && status < 300) warmOk++;
      }
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
  const usage = process.cpuUsage(cpuAtStart);
  const warmResult: WarmResult = {
    warm,
    warmOk,
    warmStatuses,
    cpuSeconds: (usage.user + usage.system) / 1e6,
  };
  process.stdout.write(JSON.stringify({ ...result, ...warmResult }));
}

// ---------------------------------------------------------------- receiver + report (this process)

/** A right-aligned markdown table, padded the way the formatter (biome) writes it. */
function markdownTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => `${'-'.repeat(w - 1)}:`)), ...rows.map(line)].join('\n');
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * CPU seconds (user + system) used so far by the server processes of `pool`'s database, from
 * /proc (Linux, server on this machine); null when they cannot be read. Counts what batching saves
 * the server, which the acks/s alone hide when other work shares the cores.
 */
async function serverCpuSeconds(pool: import('pg').Pool): Promise<number | null> {
  const { rows } = await pool.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database()',
  );
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return null;
    }
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** Transactions committed in this database so far (pg_stat_database). */
async function commitCount(pool: import('pg').Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0]?.n ?? 0);
}

async function runGenerator(
  target: string,
  secret: string,
  total: number,
  concurrency: number,
  maxSeconds: number,
) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      HERE,
      '--generate',
      target,
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
  return JSON.parse(out) as LoadResult & WarmResult;
}

async function main() {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '20000' },
      rounds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '50' },
      'max-seconds': { type: 'string', default: '60' },
      pool: { type: 'string', default: '10' },
      /** The recorder's batches in flight (receive.ts); its default when absent. */
      'in-flight': { type: 'string' },
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
  const { countEvents } = await import('../src/db/queries/webhookEvents.ts');
  const { buildServer } = await import('../src/http/server.ts');
  const { createLogger } = await import('../src/log.ts');
  const { QUEUES, startBoss } = await import('../src/sync/jobs.ts');
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
    plugins: [
      webhookRoutes({
        pool,
        boss,
        secret,
        logger,
        ...(values['in-flight'] ? { recorder: { maxInFlight: Number(values['in-flight']) } } : {}),
      }),
    ],
  });
  try {
    const syncCommit = (await pool.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s"))
      .rows[0]?.s;
    const pgVersion = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]
      ?.server_version;
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const ms = (v: number) => v.toFixed(1);
    const headers = ['round', 'requests', 'acks/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors'];
    const rows: string[][] = [];
    const cpuRows: string[][] = [];
    const loads: string[] = [];
    let acked = 0;
    let failed = 0;
    for (let round = 1; round <= Number(values.rounds); round++) {
      loads.push(os.loadavg()[0]!.toFixed(2));
      const cpu0 = process.cpuUsage();
      const server0 = await serverCpuSeconds(pool);
      const commits0 = await commitCount(pool);
      const r = await runGenerator(`${address}/webhooks/pluggy`, secret, total, concurrency, maxSeconds);
      const cpu1 = process.cpuUsage(cpu0);
      const server1 = await serverCpuSeconds(pool);
      // The statistics reach pg_stat_database within a second of the last commit.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const commits1 = await commitCount(pool);
      const perK = 1000 / (r.requests + r.warm);
      cpuRows.push([
        String(round),
        (((cpu1.user + cpu1.system) / 1000) * perK).toFixed(0),
        server1 === null || server0 === null ? 'n/a' : ((server1 - server0) * 1000 * perK).toFixed(0),
        (r.cpuSeconds * 1000 * perK).toFixed(0),
        ((commits1 - commits0) * perK).toFixed(0),
      ]);
      acked += r.ok + r.warmOk;
      failed += r.errors + (r.warm - r.warmOk);
      if (r.warmOk < r.warm) {
        process.stdout.write(`round ${round}: warm-up statuses ${JSON.stringify(r.warmStatuses)}\n`);
      }
      const sorted = [...r.latenciesMs].sort((a, b) => a - b);
      const row = [
        String(round),
        String(r.requests),
        String(Math.round(r.ok / r.seconds)),
        ms(percentile(sorted, 50)),
        ms(percentile(sorted, 90)),
        ms(percentile(sorted, 99)),
        ms(sorted[sorted.length - 1] ?? Number.NaN),
        String(r.errors),
      ];
      rows.push(row);
      process.stdout.write(
        `round ${round}: ${row.slice(1).join(' ')} | cpu ${cpuRows.at(-1)!.slice(1).join(' ')}\n`,
      );
    }

    // Every ack must be a committed event with its job (warm-ups included).
    const stored = await countEvents(db.pool);
    // Through pg-boss's API: no worker runs here, so every job enqueued is still queued.
    const jobs = await boss.getQueueSize(QUEUES.webhookEvent);
    const table = markdownTable(headers, rows);
    const cpuTable = markdownTable(
      ['round', 'receiver CPU ms', 'PostgreSQL CPU ms', 'load generator CPU ms', 'commits'],
      cpuRows,
    );
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const cores = os.cpus().length;
    const setup = [
      `Concurrency ${concurrency} (keep-alive), unique eventIds, \`transactions/created\` bodies (~330 B), each round`,
      `after its own warm-up (not counted). Receiver: Fastify + webhook route; concurrent deliveries batched, each`,
      `batch one transaction (events in one INSERT, their jobs through pg-boss's insert, pipelined on the`,
      `receiver's own connections); shared pool of ${poolSize},`,
      `synchronous_commit=${syncCommit}; PostgreSQL ${pgVersion} on 127.0.0.1; load generator in a separate process;`,
      `${cores} × ${cpu}, Node ${process.version}. 1-minute load average at the start of each round:`,
      `${loads.join(', ')} (the machine is shared: other work competes for the same ${cores} cores).`,
      `Check: ${stored} events stored and ${jobs} jobs enqueued for ${acked} acknowledged requests` +
        (stored === acked && jobs === stored ? ' (all accounted for).' : ' — MISMATCH.'),
      failed ? `${failed} requests (warm-ups included) were not acknowledged.` : '',
    ]
      .filter(Boolean)
      .join('\n');
    const cpuNote =
      "Per 1,000 requests (warm-ups included): CPU time of the receiver's process, of this database's PostgreSQL server processes and of the load generator, and the transactions committed (fewer: bigger batches).";
    const report = `# Webhook receiver benchmark\n\n${table}\n\n${cpuNote}\n\n${cpuTable}\n\n${setup}\n\nRun: ${new Date().toISOString()}\n`;
    process.stdout.write(`\n${table}\n\n${cpuNote}\n\n${cpuTable}\n\n${setup}\n`);
    await mkdir(resultsDir(), { recursive: true });
    await writeFile(path.join(resultsDir(), 'webhooks.md'), report);
    if (stored !== acked || jobs !== stored) process.exitCode = 1;
  } finally {
    await app.close();
    await boss.stop({ graceful: false, wait: true });
    await pool.end();
    await db.drop();
  }
}

await main();
