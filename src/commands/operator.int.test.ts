import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertItemFromPluggy } from '../db/queries/items.ts';
import { postgresRateGate } from '../db/queries/rateBudget.ts';
import { insertEvent, markFailed } from '../db/queries/webhookEvents.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';

/** The operator's commands, run as an operator runs them: the compiled CLI in its own process. */
describe('status, webhooks list/replay --failed, items resync', () => {
  let db: TestDatabase;
  let sb: Sandbox;
  beforeAll(async () => {
    const built = spawnSync(process.execPath, [
      '-e',
      "import('./scripts/build.mjs').then((m) => m.ensureBuilt())",
    ]);
    expect(built.status).toBe(0);
    db = await createTestDatabase();
    sb = await startSandbox({ stepDelayMs: 5 });
  }, 120_000);
  afterAll(async () => {
    await sb?.close();
    await db?.drop();
  });

  const cli = (...args: string[]) => {
    const res = spawnSync(process.execPath, ['dist/cli.js', ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, PLUGGY_BASE_URL: sb.url, LOG_LEVEL: 'warn' },
      timeout: 120_000,
    });
    return { code: res.status, out: res.stdout, err: res.stderr };
  };

  it('shows items, webhook backlog, queues and Pluggy calls; lists and replays failed events once; queues resyncs', {
    timeout: 300_000,
  }, async () => {
    const ok = randomUUID();
    const stuck = randomUUID();
    await upsertItemFromPluggy(db.pool, { id: ok, status: 'UPDATED' });
    await upsertItemFromPluggy(db.pool, { id: stuck, status: 'LOGIN_ERROR' }, { needsReconnect: true });
    const failed = randomUUID();
    const pending = randomUUID();
    // An event about an item Pluggy does not know: its handler finds it gone, which is a success.
    await insertEvent(db.pool, { eventId: failed, event: 'item/deleted', itemId: randomUUID(), raw: {} });
    await markFailed(db.pool, failed, 'Error: boom');
    await insertEvent(db.pool, { eventId: pending, event: 'item/updated', itemId: ok, raw: {} });
    const gate = postgresRateGate(db.pool);
    const shape = { burst: 10, perMinute: 60 };
    // The first take creates the bucket and asks to be repeated (rateBudget.ts): not a request.
    let granted = 0;
    while (granted < 3) if ((await gate.take('GET /items', shape)) === 0) granted++;
    await gate.pause('GET /items', 1000, shape);

    const status = cli('status', '--json');
    expect(status.code, status.err).toBe(0);
    const s = JSON.parse(status.out);
    expect(s.items).toMatchObject({ total: 2, needsReconnect: 1 });
    expect(s.items.byStatus).toContainEqual({ status: 'LOGIN_ERROR', items: 1, needsReconnect: 1 });
    expect(s.webhooks).toMatchObject({ pending: 1, failed: 1 });
    expect(s.webhooks.oldestPendingSeconds).toBeGreaterThanOrEqual(0);
    expect(s.pluggy).toMatchObject({ callsLastHour: 3, rateLimitedLastHour: 1 });
    expect(s.queues.map((q: { queue: string }) => q.queue)).toContain('item-sync');
    const text = cli('status');
    expect(text.out).toMatch(/needing reconnect\s+1/);

    const listFailed = cli('webhooks', 'list', '--failed');
    expect(listFailed.out).toContain(failed);
    expect(listFailed.out).not.toContain(pending);
    expect(cli('webhooks', 'list', '--pending').out).toContain(pending);

    const first = cli('webhooks', 'replay', '--failed');
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain('replayed 1 failed events: 1 processed');
    const again = cli('webhooks', 'replay', '--failed');
    expect(again.out).toContain('no failed webhook events');
    expect(cli('webhooks', 'list', '--failed').out).toContain('no failed webhook events');

    expect(cli('items', 'resync', 'not-a-uuid')).toMatchObject({ code: 2 });
    expect(cli('items', 'resync', 'not-a-uuid').err).toContain('is not an item id (a UUID)');
    expect(cli('webhooks', 'replay', '../etc')).toMatchObject({ code: 2 });
    expect(cli('sync', '../items')).toMatchObject({ code: 2 });
    expect(cli('items', 'resync', randomUUID())).toMatchObject({ code: 1 });
    expect(cli('items', 'resync', ok).out).toContain('1 sync queued');
    expect(cli('items', 'resync', ok).out).toContain('0 syncs queued, 1 already queued');
    const stale = cli('items', 'resync', '--stale');
    expect(stale.out).toContain('1 sync queued, 1 already queued (2 items)');
    expect(JSON.parse(cli('status', '--json').out).queues).toContainEqual({
      queue: 'item-sync',
      waiting: 2,
      running: 0,
    });
  });
});
