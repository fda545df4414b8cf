/**
 * Scale-out on one PostgreSQL: `npx tsx bench/scaleout.ts [--events 6000] [--configs 1x1,2x1,1x3,2x3]`.
 *
 * Real service processes (`node dist/cli.js start --role api|worker`, the compiled build as
 * `npm start` runs it) on one fresh test database each round, with the sandbox as Pluggy:
 * 1 api + 1 worker, 2 api + 1 worker, 1 api + 3 workers, 2 api + 3 workers. A burst of webhook
 * deliveries (45 % item/deleted, 45 % connector/status_updated, 10 % ignored types: none needs a
 * Pluggy call) is sent by autocannon (one child process per api process, 50 connections in all,
 * every delivery a fresh eventId), split evenly over the api processes. Acks/s: acknowledged
 * deliveries over the load's duration; processed/s: handled events over first received → last
 * processed (from the database). Not a test: nothing asserts a figure; it checks every
 * acknowledged handled event ended processed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../src/db/testing.ts';
import { startSandbox } from '../src/sandbox/index.ts';
import { WEBHOOK_PATH, WEBHOOK_SECRET_HEADER } from '../src/webhooks/endpoint.ts';
import { freePort } from '../src/commands/testing/serviceProcess.ts';
import { resultsDir } from './resultsDir.ts';

const HERE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(HERE), '..');
const SECRET = 'bench-webhook-secret-0123456789';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '6000' },
    generate: { type: 'string' },
    connections: { type: 'string', default: '50' },
    /** api×worker counts to run, comma-separated. */
    configs: { type: 'string', default: '1x1,2x1,1x3,2x3' },
  },
});

/** One delivery of the mix, as processing.ts sends it. */
function delivery(n: number): string {
  const eventId = randomUUID();
  const kind = n % 20;
  return JSON.stringify(
    kind < 9
      ? { event: 'item/deleted', eventId, itemId: randomUUID() }
      : kind < 18
        ? {
            event: 'connector/status_updated',
            eventId,
            id: String(200 + (n % 50)),
            data: { status: 'UNSTABLE' },
          }
        : { event: 'item/login_failed_unknown', eventId, itemId: randomUUID() },
  );
}

type Load = { seconds: number; ok: number; non2xx: number; errors: number };

if (values.generate) {
  // Child: autocannon against one api process, every request a new delivery.
  const { default: autocannon } = await import('autocannon');
  let n = 0;
  const total = Number(values.events);
  const result = await autocannon({
    url: values.generate,
    connections: Number(values.connections),
    amount: total,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', [WEBHOOK_SECRET_HEADER]: SECRET },
        setupRequest: (req) => ({ ...req, body: delivery(n++) }),
      },
    ],
  });
  const load: Load = {
    seconds: result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
  process.stdout.write(JSON.stringify(load));
  process.exit(0);
}

type Proc = { child: ReturnType<typeof spawn>; port: number; out: () => string };

async function startRole(role: 'api' | 'worker', env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/cli.js', 'start', '--role', role], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      ...env,
      ...(role === 'api' ? { PORT: String(port) } : { WORKER_PORT: String(port) }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) });
      if (res.status === 200 && ((await res.json()) as { role?: string }).role === role) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${role} did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return { child, port, out: () => out };
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  if (p.child.exitCode === null) p.child.kill('SIGKILL');
}

function generate(url: string, events: number, connections: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        HERE,
        '--generate',
        url,
        '--events',
        String(events),
        '--connections',
        String(connections),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Load) : reject(new Error(`load generator exited ${code}`)),
    );
  });
}

const total = Number(values.events);
const build = spawnSync(
  process.execPath,
  ['-e', "import('./scripts/build.mjs').then((m) => m.ensureBuilt())"],
  {
    cwd: ROOT,
    encoding: 'utf8',
  },
);
if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);

const sandbox = await startSandbox({ port: 0, stepDelayMs: 5 });
const rows: string[][] = [];
try {
  const configs = values.configs.split(',').map((c) => c.split('x').map(Number) as [number, number]);
  for (const [apis, workers] of configs) {
    const db = await createTestDatabase();
    const procs: Proc[] = [];
    try {
      const env = {
        DATABASE_URL: db.url,
        PLUGGY_BASE_URL: sandbox.url,
        WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: 'warn',
      };
      const apiProcs: Proc[] = [];
      for (let i = 0; i < apis; i++) apiProcs.push(await startRole('api', env));
      const workerProcs: Proc[] = [];
      for (let i = 0; i < workers; i++) workerProcs.push(await startRole('worker', env));
      procs.push(...apiProcs, ...workerProcs);
      const load = os.loadavg()[0]!.toFixed(1);
      const per = Math.floor(total / apis);
      const perConn = Math.max(1, Math.floor(Number(values.connections) / apis));
      const loads = await Promise.all(
        apiProcs.map((p) => generate(`http://127.0.0.1:${p.port}${WEBHOOK_PATH}`, per, perConn)),
      );
      const ok = loads.reduce((n, l) => n + l.ok, 0);
      const failed = loads.reduce((n, l) => n + l.non2xx + l.errors, 0);
      const seconds = Math.max(...loads.map((l) => l.seconds));
      // Wait (bounded) for the workers to settle every handled event.
      const deadline = Date.now() + 300_000;
      let pending = Number.NaN;
      for (;;) {
        pending = (
          await db.pool.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM webhook_events WHERE outcome NOT IN ('processed', 'ignored')",
          )
        ).rows[0]!.n;
        const dead = procs.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
        if (dead) throw new Error(`a service process exited during the round:\n${dead.out().slice(-3000)}`);
        if (pending === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const span = (
        await db.pool.query<{ n: number; s: number }>(
          `SELECT count(*)::int AS n,
                  extract(epoch FROM max(processed_at) - min(received_at))::float AS s
             FROM webhook_events WHERE outcome = 'processed'`,
        )
      ).rows[0]!;
      rows.push([
        `${apis} api + ${workers} worker${workers > 1 ? 's' : ''}`,
        String(ok),
        String(failed),
        Math.round(ok / seconds).toString(),
        Math.round(span.n / span.s).toString(),
        String(pending),
        load,
      ]);
      process.stderr.write(`${rows.at(-1)!.join(' | ')}\n`);
    } finally {
      await Promise.all(procs.map(stop));
      await db.drop();
    }
  }
} finally {
  await sandbox.close();
}

const header = ['processes', 'acked', 'refused', 'acks/s', 'processed/s', 'unprocessed', 'load avg'];
const table = [
  `| ${header.join(' | ')} |`,
  `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const report = [
  '# Scale-out benchmark',
  '',
  `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}. \`npx tsx bench/scaleout.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\`.`,
  '',
  table,
  '',
  `${total} deliveries per round through autocannon (${values.connections} connections split over the api processes), each`,
  'round on a fresh database; every process is a real `node dist/cli.js start --role …`. All processes, PostgreSQL,',
  'the sandbox and the load generators share the same 2 cores (and other helpers’ work: the load average is the',
  '1-minute figure when each round began), so more processes here mostly means more contention: the table says how',
  'the roles behave on one small machine, not how far they scale on several.',
  '',
].join('\n');
process.stdout.write(`${table}\n`);
await mkdir(resultsDir(), { recursive: true });
await writeFile(path.join(resultsDir(), 'scaleout.md'), report);
