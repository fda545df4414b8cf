/**
 * No delivery can fail another: each is checked and serialised on its own before it joins a
 * batch (payload.ts, receive.ts). Over real HTTP against a real database.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEventByEventId } from '../db/queries/webhookEvents.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createLogger } from '../log.ts';
import { type Boss, QUEUES, startBoss } from '../sync/jobs.ts';
import { startReceiver } from './testing/receiver.ts';

const SECRET = 'isolation-secret-3c9e1f0a';
let db: TestDatabase;
let boss: Boss;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  db = await createTestDatabase();
  const logger = createLogger('silent');
  boss = await startBoss(db.url, logger, { schedule: false, max: 2 });
  receiver = await startReceiver({ pool: db.pool, boss, secret: SECRET, logger });
});
afterAll(async () => {
  await receiver?.app.close();
  await boss?.stop({ graceful: false, wait: true });
  await db?.drop();
});

const envelope = (over: Record<string, unknown> = {}) => ({
  event: 'item/updated',
  eventId: randomUUID(),
  itemId: randomUUID(),
  ...over,
});
const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
/** A body with `{"event": …, "eventId": …, "x": <raw>}`, so any JSON text can ride inside an envelope. */
const withRaw = (raw: string, eventId = randomUUID()) =>
  `{"event":"item/updated","eventId":"${eventId}","itemId":"${randomUUID()}","x":${raw}}`;

async function answer(res: Response) {
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

describe('each delivery on its own', () => {
  it('a body nested thousands of levels deep is 400 webhook-payload-too-deep, stores nothing', async () => {
    const eventId = randomUUID();
    const res = await answer(await receiver.post(withRaw(deep(5_000), eventId)));
    expect(res).toMatchObject({ status: 400, body: { code: 'webhook-payload-too-deep' } });
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(await getEventByEventId(db.pool, eventId)).toBeNull();
    // Just within the limit is fine: 32 levels in all, the envelope being the first.
    expect((await receiver.post(withRaw(deep(31)))).status).toBe(200);
    expect((await receiver.post(withRaw(deep(32)))).status).toBe(400);
  });

  it('NUL and lone surrogates are stored as U+FFFD and acknowledged', async () => {
    const eventId = randomUUID();
    const res = await receiver.post(
      withRaw('{"a\\u0000":"x\\u0000y","b":"\\ud800","c":"\\udfff\\ud83d\\ude00"}', eventId),
    );
    expect(res.status).toBe(200);
    const row = await getEventByEventId(db.pool, eventId);
    expect((row!.raw as { x: unknown }).x).toEqual({
      'a\ufffd': 'x\ufffdy',
      b: '\ufffd',
      c: '\ufffd\ud83d\ude00',
    });
  });

  it('huge numbers are acknowledged (stored as JSON can hold them)', async () => {
    const eventId = randomUUID();
    expect(
      (await receiver.post(withRaw('[1e999, -1e999, 123456789012345678901234567890]', eventId))).status,
    ).toBe(200);
    expect(((await getEventByEventId(db.pool, eventId))!.raw as { x: unknown }).x).toEqual([
      null,
      null,
      123456789012345680000000000000,
    ]);
  });

  it('a __proto__ key is refused as malformed JSON', async () => {
    const res = await answer(await receiver.post(withRaw('{"__proto__":{"polluted":true}}')));
    expect(res).toMatchObject({ status: 400, body: { code: 'malformed-json' } });
    const escaped = await answer(await receiver.post(withRaw('{"\\u005f_proto__":{"polluted":true}}')));
    expect(escaped).toMatchObject({ status: 400, body: { code: 'malformed-json' } });
  });

  it('Pluggy ids that are not UUIDs are 400 at the edge: nothing stored, no job', async () => {
    const before = await boss.getQueueSize(QUEUES.webhookEvent);
    for (const bad of [
      envelope({ itemId: '..' }),
      envelope({ event: 'item/deleted', itemId: undefined, id: '../../connectors' }),
      envelope({ event: 'transactions/created', accountId: 'a/b?c' }),
      envelope({ event: 'transactions/updated', transactionIds: [randomUUID(), '%2e%2e'] }),
      envelope({ eventId: 'not-a-uuid' }),
    ]) {
      const res = await answer(await receiver.post(JSON.stringify(bad)));
      expect(res, JSON.stringify(bad)).toMatchObject({
        status: 400,
        body: { code: 'invalid-webhook-payload' },
      });
      expect(await getEventByEventId(db.pool, bad.eventId)).toBeNull();
    }
    expect(await boss.getQueueSize(QUEUES.webhookEvent)).toBe(before);
  });

  it('poisoned deliveries among 60 concurrent good ones: every good one 200, stored, with its job', async () => {
    const good = Array.from({ length: 60 }, () => envelope({ note: 'fine' }));
    const poisoned = [
      withRaw(deep(10_000)),
      withRaw('"nul \\u0000 and \\ud800"'), // storable: acknowledged too
      JSON.stringify(envelope({ itemId: '..' })),
      '{"event":"item/updated","eventId":',
      JSON.stringify(envelope({ event: { nested: 'wrong type' } })),
    ];
    const bodies = [...good.map((g) => JSON.stringify(g)), ...poisoned];
    // Interleave the poisoned ones among the good, all in flight at once.
    const order = bodies.map((b, i) => ({ b, k: (i * 7919) % bodies.length })).sort((x, y) => x.k - y.k);
    const before = await boss.getQueueSize(QUEUES.webhookEvent);
    const results = await Promise.all(
      order.map(async ({ b }) => ({ b, res: await answer(await receiver.post(b)) })),
    );
    for (const g of good) {
      const r = results.find((x) => x.b === JSON.stringify(g))!;
      expect(r.res.status).toBe(200);
      expect(await getEventByEventId(db.pool, g.eventId)).toMatchObject({ outcome: 'pending' });
    }
    const statuses = poisoned.map((p) => results.find((x) => x.b === p)!.res.status);
    expect(statuses).toEqual([400, 200, 400, 400, 400]);
    // One job per stored handled event: the 60 good and the storable poisoned one.
    expect(await boss.getQueueSize(QUEUES.webhookEvent)).toBe(before + 61);
  });
});
