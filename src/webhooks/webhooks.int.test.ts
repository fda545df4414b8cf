/**
 * Webhooks end to end: the sandbox (our stand-in for Pluggy) delivers over real HTTP to our
 * receiver; the webhook worker and the sync workers run against a fresh database; each test reads
 * the resulting state. The app's pool reaches PostgreSQL through a TCP proxy so the database can
 * go down for the service alone.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../config.ts';
import { createPool } from '../db/pool.ts';
import { getItem } from '../db/queries/items.ts';
import { upsertUserByPhone } from '../db/queries/users.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { buildServer } from '../http/server.ts';
import { createLogger } from '../log.ts';
import { createPluggyClient, type PluggyClient } from '../pluggy/index.ts';
import { type DeliveryView, type Sandbox, startSandbox } from '../sandbox/index.ts';
import { type Boss, QUEUES, startBoss } from '../sync/jobs.ts';
import { storedSnapshot, truthSnapshot } from '../sync/testing/harness.ts';
import { startSyncWorkers } from '../sync/workers.ts';
import { getConnectorStatus } from '../db/queries/connectorStatuses.ts';
import { processWebhookEvent, startWebhookWorker } from './process.ts';
import { registerWebhook } from './register.ts';
import { webhookRoutes } from './route.ts';
import { startTcpProxy, type TcpProxy } from './testing/tcpProxy.ts';

const SECRET = 'test-webhook-secret-5f1c0e8a9b';
const logger = createLogger('silent');

let db: TestDatabase;
let proxy: TcpProxy;
let pool: pg.Pool;
let boss: Boss;
let sandbox: Sandbox;
let pluggy: PluggyClient;
let app: FastifyInstance;
let base: string;
let userId: string;
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  db = await createTestDatabase();
  stops.push(() => db.drop());
  const pgUrl = new URL(db.url);
  proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
  stops.push(() => proxy.close());
  pgUrl.port = String(proxy.port);
  pool = createPool(pgUrl.toString(), { max: 6 });
  stops.push(() => pool.end());
  boss = await startBoss(db.url, logger, { schedule: false, max: 3 });
  stops.push(() => boss.stop({ graceful: false, wait: true }));
  sandbox = await startSandbox({
    port: 0,
    seed: 5,
    stepDelayMs: 5,
    size: { bankAccounts: 1, cardAccounts: 1, transactionsPerAccount: 40, historyMonths: 3 },
    // Quick retries, so "database down, then back" lands within the test.
    webhookRetry: { attempts: 40, delaysMs: [250], timeoutMs: 5_000 },
  });
  stops.push(() => sandbox.close());
  pluggy = createPluggyClient({
    baseUrl: sandbox.url,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    retryBaseDelayMs: 10,
  });
  app = await buildServer({ logger, pool, plugins: [webhookRoutes({ pool, boss, secret: SECRET, logger })] });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  stops.push(() => app.close());
  await registerWebhook(pluggy, { url: `${base}/webhooks/pluggy`, secret: SECRET });
  userId = (await upsertUserByPhone(db.pool, '+5511912345678')).user.id;
  const deps = { pool, pluggy, boss, logger };
  stops.push(await startWebhookWorker(deps, { pollingIntervalSeconds: 0.5 }));
  stops.push(
    await startSyncWorkers(deps, {
      pollingIntervalSeconds: 0.5,
      concurrency: 1,
      lockWaitMs: 2_000,
      busyRetrySeconds: 1,
    }),
  );
}, 180_000); // a sandbox, pg-boss and two workers: slow to start on a loaded machine

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
});

/** Polls `check` until it returns a value other than undefined/false, or fails after the deadline. */
async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Payload = Record<string, unknown>;
const payloadOf = (d: DeliveryView) => d.payload as Payload;

/** Deliveries the sandbox made of one event type (about one item when given), oldest first. */
const deliveriesOf = (event: string, itemId?: string) =>
  sandbox.admin
    .deliveries()
    .filter((d) => d.event === event && (itemId === undefined || payloadOf(d).itemId === itemId));

const eventRow = async (eventId: string) =>
  (
    await db.pool.query<{ outcome: string; error: string | null; attempts: number }>(
      'SELECT outcome, error, attempts FROM webhook_events WHERE event_id = $1',
      [eventId],
    )
  ).rows;

/** Waits until the sandbox sent `event` (for the item) and our worker processed it; returns its payload. */
async function processed(event: string, itemId?: string, after = 0): Promise<Payload> {
  const delivery = await eventually(`${event} delivered`, async () => deliveriesOf(event, itemId)[after]);
  const eventId = payloadOf(delivery).eventId as string;
  await eventually(`${event} ${eventId} processed`, async () => {
    const [row] = await eventRow(eventId);
    if (row?.outcome === 'failed') throw new Error(`failed: ${row.error}`);
    return row?.outcome === 'processed';
  });
  return payloadOf(delivery);
}

/**
 * Every delivery of `event` for the item processed. Scenarios may fan out into one event per
 * account, so waiting for the first one alone races with the rest.
 */
async function allProcessed(event: string, itemId: string): Promise<void> {
  await sandbox.admin.waitForDeliveries();
  for (let i = 0; i < deliveriesOf(event, itemId).length; i++) await processed(event, itemId, i);
}

const jobsOf = async (queue: string) =>
  (await db.pool.query<{ data: Payload }>('SELECT data FROM pgboss.job WHERE name = $1', [queue])).rows.map(
    (r) => r.data,
  );

const itemRow = (itemId: string) => getItem(db.pool, itemId);

const storedIds = async (ids: string[]) =>
  (
    await db.pool.query<{ id: string; status: string }>(
      'SELECT id, status FROM transactions WHERE id = ANY($1)',
      [ids],
    )
  ).rows;

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

const inSync = (itemId: string) =>
  eventually(`item ${itemId} synced to the sandbox's truth`, async () => {
    const stored = await storedSnapshot(db, itemId);
    const truth = truthSnapshot(sandbox, itemId);
    return Object.keys(truth).length > 0 && isDeepStrictEqual(stored, truth);
  });

describe('webhooks end to end (sandbox → HTTP → database → workers)', () => {
  let itemId: string;

  it('item/login_succeeded and item/created: the item is stored, linked to our user by clientUserId, and fully synced', async () => {
    // The item's own webhookUrl carries no custom headers (docs/pluggy.md#two-ways-to-subscribe): the secret
    // rides in the path.
    const item = await sandbox.admin.createItemNow({
      clientUserId: userId,
      webhookUrl: `${base}/webhooks/pluggy/${SECRET}`,
    });
    itemId = item.id;
    await processed('item/login_succeeded', itemId);
    const created = await processed('item/created', itemId);

    // Each event went to both targets (registered webhook with header, item URL with path secret),
    // both acknowledged, and was stored once.
    const both = deliveriesOf('item/created', itemId);
    expect(both.map((d) => new URL(d.url).pathname).sort()).toEqual([
      '/webhooks/pluggy',
      `/webhooks/pluggy/${SECRET}`,
    ]);
    expect(both.every((d) => d.delivered && d.lastStatus === 200)).toBe(true);
    expect(await eventRow(created.eventId as string)).toHaveLength(1);

    expect(await itemRow(itemId)).toMatchObject({ userId, status: 'UPDATED', needsReconnect: false });
    expect(await jobsOf(QUEUES.itemSync)).toContainEqual({ itemId, reason: 'connected' });
    await inSync(itemId);
  });

  it('transactions/created: new rows, backdated ones included, are fetched by createdAtFrom and stored', async () => {
    const before = deliveriesOf('transactions/created', itemId).length;
    const added = await sandbox.admin.addTransactions(itemId, { count: 4, backdatedDays: 5 });
    const payload = await processed('transactions/created', itemId, before);
    expect(await jobsOf(QUEUES.transactionsCreated)).toContainEqual({
      itemId,
      accountId: payload.accountId,
      createdAtFrom: payload.transactionsCreatedAtFrom,
    });
    await eventually(
      'the new rows stored',
      async () => (await storedIds(added.map((t) => t.id))).length === 4,
    );
    await inSync(itemId);
  });

  it('transactions/updated: rows that posted are re-fetched by id', async () => {
    const posted = await sandbox.admin.postPending(itemId);
    expect(posted.length).toBeGreaterThan(0);
    await allProcessed('transactions/updated', itemId);
    const jobIds = (await jobsOf(QUEUES.transactionsUpdated)).flatMap((d) => d.transactionIds as string[]);
    expect(jobIds.sort()).toEqual([...posted].sort());
    await eventually('the rows posted locally', async () => {
      const rows = await storedIds(posted);
      return rows.length === posted.length && rows.every((r) => r.status === 'POSTED');
    });
  });

  it('transactions/deleted: a restated card bill — old ids gone, the re-created ones stored', async () => {
    const { deleted, created } = await sandbox.admin.restateCardBill(itemId);
    expect(deleted.length).toBeGreaterThan(0);
    await allProcessed('transactions/deleted', itemId);
    await eventually('old rows removed and new ones stored', async () => {
      return (await storedIds(deleted)).length === 0 && (await storedIds(created)).length === created.length;
    });
    await inSync(itemId);
  });

  it('the same event delivered 10 more times has one effect', async () => {
    const [original] = deliveriesOf('transactions/updated', itemId);
    const body = JSON.stringify(original!.payload);
    const jobsBefore = await jobsOf(QUEUES.transactionsUpdated);
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const res = await post('/webhooks/pluggy', body, { 'x-webhook-secret': SECRET });
        return { status: res.status, body: await res.json() };
      }),
    );
    expect(answers.every((a) => a.status === 200 && a.body.duplicate === true)).toBe(true);
    const eventId = payloadOf(original!).eventId as string;
    expect(await eventRow(eventId)).toMatchObject([{ outcome: 'processed', attempts: 1 }]);
    const webhookJobs = (await jobsOf(QUEUES.webhookEvent)).filter((d) => d.eventId === eventId);
    expect(webhookJobs).toHaveLength(1);
    expect(await jobsOf(QUEUES.transactionsUpdated)).toEqual(jobsBefore);
  });

  it('item/error flags the item for reconnection; after a new login, item/updated syncs it as reconnected and the flag clears', async () => {
    await sandbox.admin.requireRelogin(itemId);
    await processed('item/error', itemId);
    const failed = await itemRow(itemId);
    expect(failed).toMatchObject({ status: 'LOGIN_ERROR', needsReconnect: true });
    expect(failed?.error).toMatchObject({ code: 'INVALID_CREDENTIALS' });

    const updatesBefore = deliveriesOf('item/updated', itemId).length;
    await pluggy.updateItem(itemId, { parameters: { user: 'user-ok', password: 'password-ok' } });
    await processed('item/updated', itemId, updatesBefore);
    expect(await jobsOf(QUEUES.itemSync)).toContainEqual({ itemId, reason: 'reconnected' });
    // Cleared by the successful sync that item/updated started, not by the event itself.
    await eventually(
      'the flag cleared by the sync',
      async () => (await itemRow(itemId))?.needsReconnect === false,
    );
    expect(await itemRow(itemId)).toMatchObject({ status: 'UPDATED', error: null });
  });

  let mfaItemId: string;

  it('item/waiting_user_input: an item blocked on MFA needs the person; answering ends it', async () => {
    const item = await pluggy.createItem({
      connectorId: 3,
      parameters: { user: 'user-ok', password: 'password-ok' },
      clientUserId: userId,
    });
    mfaItemId = item.id;
    await sandbox.admin.waitForItemStatus(mfaItemId, 'WAITING_USER_INPUT');
    await processed('item/waiting_user_input', mfaItemId);
    expect(await itemRow(mfaItemId)).toMatchObject({
      userId,
      status: 'WAITING_USER_INPUT',
      needsReconnect: true,
    });

    await pluggy.sendItemMfa(mfaItemId, { token: '123456' });
    await processed('item/created', mfaItemId);
    await inSync(mfaItemId);
    await eventually(
      'the flag cleared by the sync',
      async () => (await itemRow(mfaItemId))?.needsReconnect === false,
    );
    expect(await itemRow(mfaItemId)).toMatchObject({ status: 'UPDATED' });
  });

  it('item/deleted: the item disappears from our database with every row under it', async () => {
    await pluggy.deleteItem(mfaItemId);
    await processed('item/deleted', mfaItemId);
    expect(await jobsOf(QUEUES.itemPurge)).toContainEqual({ itemId: mfaItemId });
    await eventually('the item purged', async () => (await itemRow(mfaItemId)) === null);
    const left = await db.pool.query('SELECT 1 FROM transactions WHERE item_id = $1', [mfaItemId]);
    expect(left.rowCount).toBe(0);
  });

  it('connector/status_updated is recorded per connector', async () => {
    await sandbox.admin.setConnectorStatus(2, 'UNSTABLE');
    const payload = await processed('connector/status_updated');
    expect(await getConnectorStatus(db.pool, 2)).toMatchObject({
      status: 'UNSTABLE',
      eventId: payload.eventId,
    });
  });
});

describe('processing', () => {
  const deps = () => ({ pool, pluggy, boss, logger });

  it('a Pluggy outage fails the attempt (recorded on the event), and the queue retries it to success', async () => {
    const [created] = deliveriesOf('item/created');
    const itemId = payloadOf(created!).itemId as string;
    // More failures than one attempt's client-side retries (4 sends), fewer than two attempts'.
    sandbox.admin.addFault({
      method: 'GET',
      path: `/items/${itemId}`,
      kind: 'respond',
      status: 503,
      times: 4,
    });
    const before = deliveriesOf('item/error', itemId).length;
    await sandbox.admin.requireRelogin(itemId);
    const delivery = await eventually(
      'item/error delivered',
      async () => deliveriesOf('item/error', itemId)[before],
    );
    const eventId = payloadOf(delivery).eventId as string;
    const failed = await eventually('the failed attempt recorded', async () => {
      const [row] = await eventRow(eventId);
      return row?.outcome === 'failed' ? row : undefined;
    });
    // describeError's format (src/domain/describeError.ts), shared with sync runs: `Name [code]: message`.
    expect(failed.error).toMatch(/PluggyError \[unavailable\]/);
    await eventually(
      'the retry processed',
      async () => (await eventRow(eventId))[0]?.outcome === 'processed',
    );
    expect(await eventRow(eventId)).toMatchObject([{ attempts: 2, error: null }]);
    expect(await itemRow(itemId)).toMatchObject({ status: 'LOGIN_ERROR', needsReconnect: true });
  });

  it('an event that can never be processed is marked failed once, without retries', async () => {
    const eventId = randomUUID();
    const body = JSON.stringify({ event: 'transactions/updated', eventId, itemId: randomUUID() });
    expect((await post('/webhooks/pluggy', body, { 'x-webhook-secret': SECRET })).status).toBe(200);
    const row = await eventually('marked failed', async () => {
      const [r] = await eventRow(eventId);
      return r?.outcome === 'failed' ? r : undefined;
    });
    expect(row).toMatchObject({ attempts: 1, error: expect.stringContaining('no transactionIds') });
    await eventually('its job completed, not retried', async () => {
      const { rows } = await db.pool.query<{ state: string; retry_count: number }>(
        `SELECT state, retry_count FROM pgboss.job WHERE name = $1 AND data->>'eventId' = $2`,
        [QUEUES.webhookEvent, eventId],
      );
      return rows[0]?.state === 'completed' && rows[0].retry_count === 0;
    });
  });

  it('replay re-runs a processed event on demand; plain reprocessing does nothing', async () => {
    const [delivery] = deliveriesOf('transactions/created');
    const payload = payloadOf(delivery!);
    const job = {
      itemId: payload.itemId,
      accountId: payload.accountId,
      createdAtFrom: payload.transactionsCreatedAtFrom,
    };
    const count = async () =>
      (await jobsOf(QUEUES.transactionsCreated)).filter((d) => isDeepStrictEqual(d, job)).length;
    const before = await count();
    expect(before).toBeGreaterThan(0);
    expect(await processWebhookEvent(deps(), payload.eventId as string)).toBe('already-done');
    expect(await count()).toBe(before);
    expect(await processWebhookEvent(deps(), payload.eventId as string, { replay: true })).toBe('processed');
    expect(await count()).toBe(before + 1);
    expect(await processWebhookEvent(deps(), randomUUID())).toBe('missing');
  });
});

describe('receiver edges', () => {
  const event = (over: Payload = {}) =>
    JSON.stringify({ event: 'item/updated', eventId: randomUUID(), itemId: randomUUID(), ...over });
  const stored = async (body: string) => (await eventRow(JSON.parse(body).eventId)).length;

  it('a missing or wrong secret is 401 and stores nothing; a secret in the path is never echoed', async () => {
    const body = event();
    const none = await post('/webhooks/pluggy', body);
    expect(none.status).toBe(401);
    expect((await none.json()).code).toBe('invalid-webhook-secret');
    expect((await post('/webhooks/pluggy', body, { 'x-webhook-secret': `${SECRET}x` })).status).toBe(401);
    const wrongPath = await post('/webhooks/pluggy/guessed-secret', body);
    expect(wrongPath.status).toBe(401);
    const text = await wrongPath.text();
    expect(text).not.toContain('guessed-secret');
    expect(JSON.parse(text).instance).toBe('/webhooks/pluggy/[redacted]');
    expect(await stored(body)).toBe(0);
  });

  it('malformed JSON and an envelope without event/eventId are 400; nothing is stored', async () => {
    const auth = { 'x-webhook-secret': SECRET };
    const bad = await post('/webhooks/pluggy', '{"event": "item/updated", "eventId": ', auth);
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe('malformed-json');
    const noId = JSON.stringify({ event: 'item/updated', itemId: 'x' });
    const res = await post('/webhooks/pluggy', noId, auth);
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe('invalid-webhook-payload');
    const rows = await db.pool.query(`SELECT 1 FROM webhook_events WHERE raw->>'itemId' = 'x'`);
    expect(rows.rowCount).toBe(0);
  });

  it('an oversized body is 413 and stores nothing', async () => {
    const body = event({ padding: 'x'.repeat(300 * 1024) });
    const res = await post('/webhooks/pluggy', body, { 'x-webhook-secret': SECRET });
    expect(res.status).toBe(413);
    expect((await res.json()).code).toBe('payload-too-large');
    expect(await stored(body)).toBe(0);
  });

  it('an unknown event type is stored, marked ignored and acknowledged', async () => {
    const body = JSON.stringify({ event: 'boleto/updated', eventId: randomUUID(), boletoId: 'b1' });
    const res = await post('/webhooks/pluggy', body, { 'x-webhook-secret': SECRET });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, duplicate: false });
    expect(await eventRow(JSON.parse(body).eventId)).toMatchObject([{ outcome: 'ignored' }]);
  });

  it('the old path answers the same, and says it is deprecated', async () => {
    const body = event({ event: 'connector/status_updated', id: '2', data: { status: 'ONLINE' } });
    const res = await post('/api/pluggy-v2/webhook', body, { 'x-webhook-secret': SECRET });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, duplicate: false });
    expect(res.headers.get('deprecation')).toBe('true');
    expect(res.headers.get('link')).toBe('</webhooks/pluggy>; rel="successor-version"');
    expect(await stored(body)).toBe(1);
  });

  // Last: it takes the database away from the service.
  it('database down: 503 with Retry-After, so Pluggy retries; the event lands once the database is back', async () => {
    await sandbox.admin.waitForDeliveries(20_000);
    await proxy.cut();
    try {
      const direct = await post('/webhooks/pluggy', event(), { 'x-webhook-secret': SECRET });
      expect(direct.status).toBe(503);
      expect(direct.headers.get('retry-after')).toBeTruthy();
      expect((await direct.json()).code).toBe('database-unavailable');

      await sandbox.admin.setConnectorStatus(2, 'OFFLINE');
      const refused = await eventually('a delivery refused with 503', async () =>
        deliveriesOf('connector/status_updated').find(
          (d) => (payloadOf(d).data as Payload).status === 'OFFLINE' && d.lastStatus === 503,
        ),
      );
      expect(refused.delivered).toBe(false);
      expect(await eventRow(payloadOf(refused).eventId as string)).toEqual([]);
    } finally {
      await proxy.restore();
    }
    await sandbox.admin.waitForDeliveries(20_000);
    const landed = deliveriesOf('connector/status_updated').find(
      (d) => (payloadOf(d).data as Payload).status === 'OFFLINE',
    );
    expect(landed).toMatchObject({ delivered: true, lastStatus: 200 });
    expect(landed!.attempts).toBeGreaterThan(1);
    await eventually(
      'the OFFLINE status recorded',
      async () => (await getConnectorStatus(db.pool, 2))?.status === 'OFFLINE',
    );
  });
});
