import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../config.ts';
import { postgresRateGate } from '../db/queries/rateBudget.ts';
import { listLeases, takeLeases } from '../db/queries/jobLeases.ts';
import { getEventByEventId } from '../db/queries/webhookEvents.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createLogger } from '../log.ts';
import { createPluggyClient } from '../pluggy/index.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { type Boss, QUEUES, startBoss } from '../sync/jobs.ts';
import { startWebhookWorker } from './process.ts';
import { recordWebhookEvent } from './receive.ts';
import type { WebhookDeps } from './types.ts';

let t: TestDatabase;
let boss: Boss;
let sandbox: Sandbox;
let deps: WebhookDeps;
beforeAll(async () => {
  t = await createTestDatabase();
  const logger = createLogger('silent');
  boss = await startBoss(t.url, logger, { schedule: false, max: 3 });
  sandbox = await startSandbox({ port: 0, seed: 11, stepDelayMs: 2 });
  const pluggy = createPluggyClient({
    baseUrl: sandbox.url,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    retryBaseDelayMs: 10,
  });
  deps = { pool: t.pool, pluggy, boss, logger };
});
afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await sandbox?.close();
  await t?.drop();
});

async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false | null>,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook worker', () => {
  for (const event of ['item/updated', 'item/created']) {
    it(`${event}: an event Pluggy rate-limits steps aside until Pluggy's Retry-After`, async () => {
      const item = await sandbox.admin.createItemNow();
      // Beyond what the client sleeps inside one call, so the handler's GET /items/<id> fails.
      sandbox.admin.addFault({
        kind: 'respond',
        status: 429,
        headers: { 'retry-after': '120' },
        method: 'GET',
        path: `/items/${item.id}`,
        times: 1,
      });
      const eventId = randomUUID();
      await recordWebhookEvent({ pool: t.pool, boss }, { event, eventId, itemId: item.id });
      const jobsOf = () =>
        t.pool.query<{ id: string; state: string; later: number }>(
          `SELECT id, state, extract(epoch FROM start_after - now())::int AS later FROM pgboss.job
            WHERE name = $1 AND data->>'eventId' = $2 ORDER BY created_on`,
          [QUEUES.webhookEvent, eventId],
        );
      const first = (await jobsOf()).rows;
      expect(first).toHaveLength(1);

      const stop = await startWebhookWorker(deps, { pollingIntervalSeconds: 0.5, redriveCron: false });
      try {
        const job = await until('the rate-limited job to finish by stepping aside', async () => {
          const j = await boss.getJobById(QUEUES.webhookEvent, first[0]!.id);
          return j?.state === 'completed' && j;
        });
        expect(job.retryCount).toBe(0);
      } finally {
        await stop();
      }
      const queued = (await jobsOf()).rows.filter((r) => r.state === 'created');
      expect(queued).toHaveLength(1);
      expect(queued[0]!.id).not.toBe(first[0]!.id);
      expect(queued[0]!.later).toBeGreaterThan(100);
      expect(queued[0]!.later).toBeLessThanOrEqual(120);
      const row = await getEventByEventId(t.pool, eventId);
      expect(row?.outcome).not.toBe('processed');
      expect(row).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/rate-limited/) });
      sandbox.admin.clearFaults();
    });
  }

  it("a 429's Retry-After holds back every event that needs the same endpoint, not only the one that got it", async () => {
    // As the service wires it: the client's rate gate is shared through the database.
    const gated: WebhookDeps = {
      ...deps,
      pluggy: createPluggyClient({
        baseUrl: sandbox.url,
        clientId: SANDBOX_CLIENT_ID,
        clientSecret: SANDBOX_CLIENT_SECRET,
        retryBaseDelayMs: 10,
        rateGate: postgresRateGate(t.pool),
      }),
    };
    const a = await sandbox.admin.createItemNow();
    const b = await sandbox.admin.createItemNow();
    sandbox.admin.addFault({
      kind: 'respond',
      status: 429,
      headers: { 'retry-after': '90' },
      method: 'GET',
      path: `/items/${a.id}`,
      times: 1,
    });
    const first = randomUUID();
    await recordWebhookEvent({ pool: t.pool, boss }, { event: 'item/updated', eventId: first, itemId: a.id });
    const errorOf = async (eventId: string) => (await getEventByEventId(t.pool, eventId))?.error ?? '';
    const stop = await startWebhookWorker(gated, { pollingIntervalSeconds: 0.5, redriveCron: false });
    const second = randomUUID();
    try {
      await expect.poll(() => errorOf(first), { timeout: 30_000 }).toMatch(/rate-limited/);
      // Another item, another job, the same endpoint (GET /items/{id}) moments later.
      await recordWebhookEvent(
        { pool: t.pool, boss },
        { event: 'item/updated', eventId: second, itemId: b.id },
      );
      stop.wake();
      await expect.poll(() => errorOf(second), { timeout: 30_000 }).toMatch(/rate-limited/);
    } finally {
      await stop();
      sandbox.admin.clearFaults();
      await t.pool.query('DELETE FROM pluggy_rate_budget');
    }
    // It stepped aside without asking Pluggy: the pause held for it too.
    expect(sandbox.admin.requests().filter((r) => r.path === `/items/${b.id}`)).toHaveLength(0);
    expect((await getEventByEventId(t.pool, second))?.outcome).toBe('failed');
  });
});

describe('webhook jobs of a worker that died', () => {
  it('are taken back through their stale leases within seconds, not at the jobs’ expiry', {
    timeout: 180_000,
  }, async () => {
    // A process fetched these jobs and took their leases, then died: its heartbeat stopped a
    // minute ago and the jobs sit 'active' (pg-boss would wait out their 5-minute expiry).
    const eventIds = Array.from({ length: 6 }, () => randomUUID());
    for (const eventId of eventIds)
      await recordWebhookEvent(
        { pool: t.pool, boss },
        { event: 'connector/status_updated', eventId, id: '201', data: { status: 'UNSTABLE' } },
      );
    const held = (await boss.fetch(QUEUES.webhookEvent, { batchSize: 50, includeMetadata: true })) ?? [];
    expect(held.map((j) => (j.data as { eventId: string }).eventId).sort()).toEqual([...eventIds].sort());
    await takeLeases(
      t.pool,
      'gone-host:4242:dead0000',
      held.map((j) => ({ jobId: j.id, queue: QUEUES.webhookEvent, itemId: null, startedOn: j.startedOn })),
    );
    await t.pool.query(`UPDATE job_leases SET heartbeat_at = now() - interval '1 minute'`);

    const stop = await startWebhookWorker(deps, {
      pollingIntervalSeconds: 0.5,
      redriveCron: false,
      leases: { staleSeconds: 5, reclaimEverySeconds: 1 },
    });
    try {
      // Far below the expiry: only the reclaim can have put them back in line.
      await until(
        'the dead worker’s events to be processed',
        async () => {
          const rows = await Promise.all(eventIds.map((id) => getEventByEventId(t.pool, id)));
          return rows.every((r) => r?.outcome === 'processed');
        },
        90_000,
      );
      // Processed once each, and this worker let go of the leases it took for them.
      for (const j of held)
        expect((await boss.getJobById(QUEUES.webhookEvent, j.id))?.state).toBe('completed');
      await until('no lease left', async () => (await listLeases(t.pool)).length === 0, 30_000);
    } finally {
      await stop();
    }
  });
});
