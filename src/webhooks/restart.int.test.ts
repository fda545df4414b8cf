/**
 * The database stops and starts again while deliveries keep coming, on a PostgreSQL of this
 * test's own (embedded, in a temporary folder, on a free port): every delivery answered 2xx is
 * stored and processed exactly once; a delivery during the outage gets 503, never a 500.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../config.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { createLogger } from '../log.ts';
import { createPluggyClient } from '../pluggy/index.ts';
import { type Boss, QUEUES, startBoss } from '../sync/jobs.ts';
import { startWebhookWorker } from './process.ts';
import { startReceiver } from './testing/receiver.ts';

const SECRET = 'restart-secret-51d0c2aa';
const logger = createLogger('silent');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

let dir: string;
let dataDir: string;
let port: number;
let server: EmbeddedPostgres;
let pool: pg.Pool;
let boss: Boss;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pb-webhooks-restart-'));
  dataDir = path.join(dir, 'pg');
  port = await freePort();
  server = await startEmbeddedPostgres({ dataDir, port });
  pool = createPool(server.url, { max: 6 });
  stops.push(() => pool.end());
  await migrate(pool);
  boss = await startBoss(server.url, logger, { schedule: false, max: 3 });
  stops.push(() => boss.stop({ graceful: false, wait: true }));
  receiver = await startReceiver({ pool, boss, secret: SECRET, logger });
  stops.push(() => receiver.app.close());
}, 120_000);

/**
 * The webhook worker as the service runs it. Started once the database is back: a worker running
 * through the outage meets two problems outside the receiver, reported separately — pg-boss
 * 10.4's worker does not await its complete/fail calls (an unhandled rejection when the database
 * is gone), and a job it held when the database went away stays active until its 15-minute expiry.
 */
async function startWorker() {
  // connector/status_updated needs no Pluggy call: this client is never used.
  const pluggy = createPluggyClient({
    baseUrl: 'http://127.0.0.1:9',
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
  });
  stops.push(
    await startWebhookWorker(
      { pool, pluggy, boss, logger },
      { pollingIntervalSeconds: 0.5, redriveCron: false },
    ),
  );
}

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await server?.stop().catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('webhook deliveries across a database restart', () => {
  it('every 2xx is stored and processed once; the outage answers 503, never 500', async () => {
    const acked = new Map<string, number>(); // eventId → connector id
    const statuses = new Map<number, number>();
    let phase: 'before' | 'down' | 'after' = 'before';
    const byPhase = {
      before: new Map<number, number>(),
      down: new Map<number, number>(),
      after: new Map<number, number>(),
    };
    let connector = 1000;
    let sending = true;
    const sender = async () => {
      while (sending) {
        const eventId = randomUUID();
        const id = ++connector;
        const body = JSON.stringify({
          event: 'connector/status_updated',
          eventId,
          id: String(id),
          data: { status: 'OFFLINE' },
        });
        const at = phase;
        let status: number;
        try {
          const res = await receiver.post(body);
          status = res.status;
          await res.arrayBuffer();
        } catch {
          status = 0; // the receiver itself unreachable: must never happen
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        byPhase[at].set(status, (byPhase[at].get(status) ?? 0) + 1);
        if (status >= 200 && status < 300) acked.set(eventId, id);
        // A pause so an outage does not turn into a hot loop of refusals.
        if (status !== 200) await new Promise((r) => setTimeout(r, 20));
      }
    };
    const senders = Array.from({ length: 4 }, sender);
    const ackedCount = () => acked.size;
    try {
      await expect.poll(ackedCount, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(40);

      phase = 'down';
      await server.stop();
      await expect
        .poll(() => byPhase.down.get(503) ?? 0, { timeout: 30_000, interval: 50 })
        .toBeGreaterThanOrEqual(20);

      server = await startEmbeddedPostgres({ dataDir, port });
      phase = 'after';
      const before = acked.size;
      await expect.poll(ackedCount, { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(before + 20);
      await startWorker();
      // Deliveries keep coming while the worker catches up.
      await expect.poll(ackedCount, { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(before + 60);
    } finally {
      sending = false;
      await Promise.all(senders);
    }

    const seen = JSON.stringify([...statuses]);
    expect(
      [...statuses.keys()].filter((s) => s !== 200 && s !== 503),
      seen,
    ).toEqual([]);
    expect(byPhase.after.get(200), seen).toBeGreaterThan(0);

    // Every acknowledged event: one row, processed (once: the worker's own guard, checked by
    // counting the effect), its connector's status recorded by that very event.
    const ids = [...acked.keys()];
    await expect
      .poll(
        async () =>
          (
            await pool.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM webhook_events WHERE event_id = ANY($1) AND outcome = 'processed'`,
              [ids],
            )
          ).rows[0]!.n,
        { timeout: 90_000, interval: 250 },
      )
      .toBe(ids.length);
    const effects = await pool.query<{ connector_id: number; event_id: string }>(
      'SELECT connector_id, event_id FROM connector_statuses WHERE event_id = ANY($1)',
      [ids],
    );
    expect(effects.rows).toHaveLength(ids.length);
    for (const r of effects.rows) expect(acked.get(r.event_id)).toBe(r.connector_id);
    expect(await boss.getQueueSize(QUEUES.webhookEvent)).toBe(0);
  }, 240_000);
});
