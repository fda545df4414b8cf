import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../config.ts';
import { listRunIntervals } from '../db/queries/syncRuns.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createPluggyClient } from '../pluggy/index.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { WEBHOOK_PATH, WEBHOOK_SECRET_HEADER } from '../webhooks/endpoint.ts';
import { registerWebhook } from '../webhooks/register.ts';
import { converged, ensureBuilt, roleEnv, startRole, waitHealthy } from './testing/roles.ts';
import { getJson, type ServiceProcess } from './testing/serviceProcess.ts';

/**
 * Scale-out on one PostgreSQL: real `node dist/cli.js start --role …` processes (the compiled
 * build, as `npm start` runs it) against one sandbox. The machine has two cores shared with the
 * rest of the suite, so every wait is a generous poll, never a timing.
 */

const WEBHOOK_SECRET = 'dev-webhook-secret-change-me';
// Long enough for an in-flight incremental sync to finish on a busy machine: the test proves jobs
// drain, not that they are cut off (a job outliving the bound is left to recovery, by design).
const SHUTDOWN_SECONDS = 60;

/**
 * Webhook deliveries (connector status events: no Pluggy call to process) sent over fresh
 * connections, round-robin to the api processes, until stopped. Every acknowledged eventId is kept;
 * a refused connection (the process has stopped listening) is what Pluggy would retry.
 */
function deliverUntilStopped(ports: number[]) {
  const acked: string[] = [];
  const statuses: number[] = [];
  let errors = 0;
  let stopping = false;
  let first: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    first = resolve;
  });
  const loop = async (lane: number) => {
    for (let n = lane; !stopping; n++) {
      const eventId = randomUUID();
      try {
        const res = await fetch(`http://127.0.0.1:${ports[n % ports.length]}${WEBHOOK_PATH}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            connection: 'close',
            [WEBHOOK_SECRET_HEADER]: WEBHOOK_SECRET,
          },
          body: JSON.stringify({
            event: 'connector/status_updated',
            eventId,
            id: '201',
            data: { status: 'ONLINE' },
          }),
          signal: AbortSignal.timeout(60_000),
        });
        await res.arrayBuffer();
        if (res.ok) acked.push(eventId);
        else statuses.push(res.status);
        first();
      } catch {
        errors++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const lanes = Array.from({ length: 4 }, (_, i) => loop(i));
  return {
    started,
    async stop() {
      stopping = true;
      await Promise.all(lanes);
      return { acked, statuses, errors };
    },
  };
}

describe('2 api and 3 worker processes on one PostgreSQL', () => {
  let db: TestDatabase;
  let sb: Sandbox;
  const procs: ServiceProcess[] = [];
  const ITEMS = Number(process.env.SCALE_OUT_ITEMS ?? 20);

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
    // Small pages: a sync is many requests, so a worker is reliably caught mid-sync.
    sb = await startSandbox({ stepDelayMs: 5, v2PageSize: 40, size: { transactionsPerAccount: 160 } });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await sb?.close();
    await db?.drop();
  }, 60_000);

  it('every item ends equal to the sandbox, no two runs of one item overlap, a killed worker loses nothing, SIGTERM drains', {
    timeout: 1_500_000,
  }, async () => {
    // How long each phase took to converge, for the summary line (a slow phase is the first clue).
    const phases: string[] = [];
    const phase = async (name: string, fn: () => Promise<void>) => {
      const t0 = Date.now();
      await fn();
      phases.push(`${name} ${Math.round((Date.now() - t0) / 1000)} s`);
    };
    const base = roleEnv(db.url, sb.url, {
      SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_SECONDS),
    });
    const apis = [await startRole('api', 'api-1', base), await startRole('api', 'api-2', base)];
    const workers = [
      await startRole('worker', 'worker-1', base),
      await startRole('worker', 'worker-2', base),
      await startRole('worker', 'worker-3', base),
    ];
    procs.push(...apis, ...workers);
    for (const p of apis) await waitHealthy(p, 'api');
    for (const p of workers) await waitHealthy(p, 'worker');
    // A worker serves no API: the assistant's routes are not there (401 first, as for any unknown path).
    expect(
      ((await getJson(`http://127.0.0.1:${workers[0]!.port}/v1/status`)) as { status: number }).status,
    ).toBe(401);

    // Pluggy's deliveries go to the first api process, as `webhooks register` would point them.
    const pluggy = createPluggyClient({
      baseUrl: sb.url,
      clientId: SANDBOX_CLIENT_ID,
      clientSecret: SANDBOX_CLIENT_SECRET,
    });
    await registerWebhook(pluggy, {
      url: `http://127.0.0.1:${apis[0]!.port}${WEBHOOK_PATH}`,
      secret: WEBHOOK_SECRET,
    });

    // Connection: each item's item/created reaches api-1, the workers sync it in full.
    const ids: string[] = [];
    for (let i = 0; i < ITEMS; i++) ids.push((await sb.admin.createItemNow({ clientUserId: `p-${i}` })).id);

    // Kill worker-1 (SIGKILL, no goodbye) while it runs a sync: its lease names its pid. (Its
    // webhook jobs' leases last milliseconds; a sync's lasts its dozen pages.)
    const victim = workers[0]!;
    let heldByVictim: Array<{ job_id: string; queue: string; item_id: string | null }> = [];
    await expect
      .poll(
        async () => {
          heldByVictim = (
            await db.pool.query<{ job_id: string; queue: string; item_id: string | null }>(
              'SELECT job_id, queue, item_id FROM job_leases WHERE owner LIKE $1',
              [`%:${victim.child.pid}:%`],
            )
          ).rows;
          return heldByVictim.some((l) => l.item_id);
        },
        { timeout: 180_000, interval: 20, message: 'worker-1 never ran a sync' },
      )
      .toBe(true);
    await victim.stop('SIGKILL');
    const killedAt = Date.now();

    // Another worker takes the dead one's jobs back (leases: stale after 10 s, reclaimer every 3 s).
    await expect
      .poll(
        async () =>
          (
            await db.pool.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM job_leases WHERE owner LIKE $1',
              [`%:${victim.child.pid}:%`],
            )
          ).rows[0]!.n,
        { timeout: 120_000, interval: 500 },
      )
      .toBe(0);
    const reclaimedAfterMs = Date.now() - killedAt;
    // The reliability issue's recovery time: stale after 10 s, a reclaimer pass every 3 s; the rest
    // is slack for a loaded machine.
    expect(reclaimedAfterMs).toBeLessThan(60_000);

    await phase('connected', () => converged(db, sb, ids, 600_000));

    // Incremental updates: new rows announced by transactions/created, synced by what is left.
    for (const id of ids) await sb.admin.addTransactions(id, { count: 3 });
    await phase('new rows', () => converged(db, sb, ids, 600_000));

    // The operator's status, from an api process, behind the token.
    const status = (await getJson(`http://127.0.0.1:${apis[1]!.port}/v1/status`, {
      authorization: 'Bearer dev-api-token',
    })) as { status: number; body: { items: { total: number }; pluggy: { callsLastHour: number } } };
    expect(status.status).toBe(200);
    expect(status.body.items.total).toBe(ids.length);
    expect(status.body.pluggy.callsLastHour).toBeGreaterThan(ids.length);

    // SIGTERM while work is in flight: many new rows keep the workers busy (pages of 40), and
    // deliveries keep arriving at both api processes until each stops answering.
    const busy = ids.slice(0, 4);
    for (const id of busy) await sb.admin.addTransactions(id, { count: 1000 });
    const live = [...apis, ...workers.slice(1)];
    const liveWorkers = workers.slice(1).map((w) => `%:${w.child.pid}:%`);
    const deliveries = deliverUntilStopped(apis.map((p) => p.port));
    await deliveries.started;
    // The signal lands while a live worker runs a sync (its item's lease is held).
    let midSync: string[] = [];
    await expect
      .poll(
        async () => {
          midSync = (
            await db.pool.query<{ item_id: string }>(
              'SELECT item_id FROM job_leases WHERE owner LIKE ANY ($1) AND item_id IS NOT NULL',
              [liveWorkers],
            )
          ).rows.map((r) => r.item_id);
          return midSync.length;
        },
        { timeout: 120_000, interval: 20, message: 'no live worker ever ran a sync' },
      )
      .toBeGreaterThan(0);
    const stops = await Promise.all(live.map((p) => p.stop('SIGTERM')));
    const sent = await deliveries.stop();
    for (const [i, s] of stops.entries()) {
      expect(s.code, live[i]!.output()).toBe(0);
      // The job grace period plus pg-boss's own 1 s and closing HTTP and the pool.
      expect(s.ms).toBeLessThan((SHUTDOWN_SECONDS + 15) * 1000);
    }
    // Answered while stopping: acknowledged, or 503 (Pluggy retries those) — never another error.
    expect(sent.acked.length).toBeGreaterThan(0);
    expect(sent.statuses.filter((st) => st !== 503)).toEqual([]);
    // Drained: no job was left holding its lease, no run left open.
    const leftLeases = (
      await db.pool.query('SELECT job_id, queue, owner, started_on, heartbeat_at FROM job_leases')
    ).rows;
    expect(leftLeases, `pids: ${procs.map((p) => `${p.name}=${p.child.pid}`).join(' ')}`).toEqual([]);
    expect((await db.pool.query(`SELECT id FROM sync_runs WHERE status = 'running'`)).rows).toEqual([]);
    // The syncs running when the signal landed were finished, not cut off and left to recovery.
    const lastRuns = await db.pool.query<{ item_id: string; status: string }>(
      `SELECT DISTINCT ON (item_id) item_id, status FROM sync_runs WHERE item_id = ANY ($1)
        ORDER BY item_id, started_at DESC`,
      [midSync],
    );
    expect(lastRuns.rows.map((r) => r.status)).toEqual(midSync.map(() => 'succeeded'));

    // Nothing acknowledged is lost: a fresh worker finishes what was queued when the others stopped.
    const after = await startRole('worker', 'worker-4', base);
    procs.push(after);
    await waitHealthy(after, 'worker');
    await phase('after SIGTERM', () => converged(db, sb, ids, 600_000));
    await expect
      .poll(
        async () =>
          (
            await db.pool.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM webhook_events
                WHERE event_id = ANY ($1) AND outcome IN ('processed', 'ignored')`,
              [sent.acked],
            )
          ).rows[0]!.n,
        { timeout: 300_000, interval: 1_000 },
      )
      .toBe(sent.acked.length);

    // One job per item at a time, over the whole test: per item, each run ends before the next
    // starts (a run killed with its process is closed by the item's next run, before that starts).
    const runs = await listRunIntervals(db.pool, ids);
    expect(runs.length).toBeGreaterThanOrEqual(ids.length * 2 + busy.length);
    const overlaps: string[] = [];
    for (let i = 1; i < runs.length; i++) {
      const [x, y] = [runs[i - 1]!, runs[i]!];
      if (x.itemId !== y.itemId) continue;
      if (!x.finishedAt || x.finishedAt > y.startedAt)
        overlaps.push(`${x.itemId} ${x.startedAt.toISOString()}`);
    }
    expect(overlaps).toEqual([]);
    const last = await after.stop('SIGTERM');
    expect(last.code, after.output()).toBe(0);
    process.stdout.write(
      `scale-out: ${ids.length} items, ${runs.length} sync runs, dead worker's ${heldByVictim.length} job(s) reclaimed ${reclaimedAfterMs} ms after SIGKILL; SIGTERM during ${midSync.length} sync(s), exits in ${stops.map((x) => x.ms).join('/')} ms, with ${sent.acked.length} deliveries acknowledged while stopping (${sent.statuses.length} 503, ${sent.errors} refused); converged: ${phases.join(', ')}\n`,
    );
  });
});
