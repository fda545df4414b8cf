import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createTestDatabase, type TestDatabase } from './db/testing.ts';
import { createLogger } from './log.ts';
import { startSandbox } from './sandbox/index.ts';

/** The service as `npm start` wires it in local mode, on a test database and free ports. */
describe('startApp (local mode)', () => {
  let t: TestDatabase;
  let app: App;
  beforeAll(async () => {
    t = await createTestDatabase();
    const config = loadConfig({
      DATABASE_URL: t.url,
      PORT: '0',
      SANDBOX_PORT: '0',
      WEBHOOK_SECRET: 'the-current-webhook-secret',
      WEBHOOK_SECRET_PREVIOUS: 'the-previous-webhook-secret',
    });
    app = await startApp(config, createLogger('silent'));
  });
  afterAll(async () => {
    await app?.stop();
    await t?.drop();
  });

  it('serves health, and a connection made at the sandbox arrives by webhook and is synced', async () => {
    const health = await fetch(`${app.url}/health`);
    expect(health.status).toBe(200);
    expect(app.sandbox).toBeDefined();

    const item = await app.sandbox!.admin.createItemNow({ clientUserId: 'someone' });
    const deadline = Date.now() + 20_000;
    let synced: { last_synced_at: Date | null } | undefined;
    while (!synced?.last_synced_at) {
      if (Date.now() > deadline) throw new Error('the item was not synced through webhook → job → sync');
      await new Promise((r) => setTimeout(r, 100));
      synced = (await t.pool.query('SELECT last_synced_at FROM items WHERE id = $1', [item.id])).rows[0];
    }
    const truth = app.sandbox!.admin.truth(item.id).transactionsByAccount;
    const { rows } = await t.pool.query<{ account_id: string; n: number }>(
      'SELECT account_id, count(*)::int AS n FROM transactions WHERE item_id = $1 GROUP BY account_id',
      [item.id],
    );
    expect(Object.fromEntries(rows.map((r) => [r.account_id, r.n]))).toEqual(
      Object.fromEntries(Object.entries(truth).map(([id, list]) => [id, list.length])),
    );
    const events = await t.pool.query<{ event: string }>(
      "SELECT event FROM webhook_events WHERE outcome = 'processed' ORDER BY event",
    );
    expect(events.rows.map((r) => r.event)).toContain('item/created');
  });

  it('accepts deliveries signed with the previous secret during a rotation, and no other', async () => {
    const deliver = (secret: string, eventId: string) =>
      fetch(`${app.url}/webhooks/pluggy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
        body: JSON.stringify({ event: 'payment_intent/completed', eventId }),
      });
    expect((await deliver('the-previous-webhook-secret', randomUUID())).status).toBe(200);
    expect((await deliver('the-current-webhook-secret', randomUUID())).status).toBe(200);
    expect((await deliver('some-other-secret-value', randomUUID())).status).toBe(401);
  });

  it('stops cleanly: HTTP closed, workers and queue stopped', async () => {
    await app.stop();
    await expect(fetch(`${app.url}/health`)).rejects.toThrow();
  });
});

describe('startApp (live mode)', () => {
  it('refuses to start with client credentials Pluggy rejects, saying so', async () => {
    const sandbox = await startSandbox({ port: 0 });
    const t = await createTestDatabase();
    try {
      const config = loadConfig({
        DATABASE_URL: t.url,
        PORT: '0',
        PLUGGY_BASE_URL: sandbox.url,
        PLUGGY_CLIENT_ID: '00000000-0000-4000-8000-000000000bad',
        PLUGGY_CLIENT_SECRET: 'not-the-secret',
        WEBHOOK_SECRET: 'w'.repeat(32),
        API_TOKENS: 'a'.repeat(32),
        LINK_SIGNING_SECRET: 'l'.repeat(32),
      });
      const err = await startApp(config, createLogger('silent')).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'PluggyError', code: 'auth' });
      expect(String((err as Error).message)).not.toContain('not-the-secret');
    } finally {
      await t.drop();
      await sandbox.close();
    }
  });
});
