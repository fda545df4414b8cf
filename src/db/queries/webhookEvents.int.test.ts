import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing.ts';
import {
  countEvents,
  getEventByEventId,
  insertEvents,
  insertEvent,
  listEventsToRedrive,
  markFailed,
  markIgnored,
  markProcessed,
} from './webhookEvents.ts';

describe('webhook events', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.drop());

  const delivery = () => {
    const eventId = randomUUID();
    const raw = { event: 'item/updated', eventId, itemId: randomUUID(), id: randomUUID() };
    return { eventId, event: raw.event, itemId: raw.itemId, raw };
  };

  it('stores a delivery once; a redelivery returns the same id and inserts nothing', async () => {
    const ev = delivery();
    const first = await insertEvent(t.pool, ev);
    expect(first.inserted).toBe(true);
    expect(await insertEvent(t.pool, { ...ev, raw: { ...ev.raw, redelivered: true } })).toEqual({
      inserted: false,
      id: first.id,
    });
    const row = await getEventByEventId(t.pool, ev.eventId);
    expect(row).toMatchObject({
      id: first.id,
      event: 'item/updated',
      itemId: ev.itemId,
      raw: ev.raw,
      outcome: 'pending',
      attempts: 0,
    });
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM webhook_events WHERE event_id = $1', [
      ev.eventId,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('concurrent deliveries of one event: exactly one insert wins, all get its id', async () => {
    const ev = delivery();
    const results = await Promise.all(Array.from({ length: 5 }, () => insertEvent(t.pool, ev)));
    expect(results.filter((r) => r.inserted)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
  });

  it('insertEvents: one statement for a batch; repeated and already stored eventIds stored once', async () => {
    const a = delivery();
    const b = delivery();
    await insertEvent(t.pool, a);
    const before = await countEvents(t.pool);
    const row = (d: ReturnType<typeof delivery>, handled = true) => ({
      eventId: d.eventId,
      event: d.event,
      itemId: d.itemId,
      raw: JSON.stringify(d.raw),
      handled,
      jobId: handled ? randomUUID() : null,
    });
    const c = { ...delivery(), event: 'boleto/updated' };
    const stored = await insertEvents(t.pool, [row(a), row(b), row(b), row(c, false)]);
    expect(stored.sort((x, y) => x.eventId.localeCompare(y.eventId))).toEqual(
      [
        { eventId: b.eventId, outcome: 'pending' },
        { eventId: c.eventId, outcome: 'ignored' },
      ].sort((x, y) => x.eventId.localeCompare(y.eventId)),
    );
    expect(await countEvents(t.pool)).toBe(before + 2);
    expect(await getEventByEventId(t.pool, c.eventId)).toMatchObject({
      outcome: 'ignored',
      error: 'event type boleto/updated is not handled',
      raw: c.raw,
    });
    expect(await insertEvents(t.pool, [])).toEqual([]);
  });

  it('records outcomes and attempts; unfinished ones are listed for re-enqueueing', async () => {
    const failed = delivery();
    const ignored = delivery();
    const done = delivery();
    for (const e of [failed, ignored, done]) await insertEvent(t.pool, e);

    expect(await markFailed(t.pool, failed.eventId, 'Pluggy 503')).toBe(true);
    expect(await markIgnored(t.pool, ignored.eventId, 'unknown item')).toBe(true);
    expect(await markProcessed(t.pool, done.eventId)).toBe(true);
    expect(await markProcessed(t.pool, 'no-such-event')).toBe(false);

    expect(await getEventByEventId(t.pool, failed.eventId)).toMatchObject({
      outcome: 'failed',
      error: 'Pluggy 503',
      attempts: 1,
      processedAt: null,
    });
    expect(await getEventByEventId(t.pool, ignored.eventId)).toMatchObject({
      outcome: 'ignored',
      error: 'unknown item',
      attempts: 1,
    });
    const processed = await getEventByEventId(t.pool, done.eventId);
    expect(processed).toMatchObject({ outcome: 'processed', error: null, attempts: 1 });
    expect(processed?.processedAt).toBeInstanceOf(Date);

    const open = await listEventsToRedrive(t.pool, {
      olderThan: new Date(Date.now() + 60_000),
      maxAttempts: 30,
      limit: 100,
      handledEvents: ['item/updated'],
    }).then((rows) => rows.map((r) => r.eventId));
    expect(open).toContain(failed.eventId);
    expect(open).not.toContain(ignored.eventId);
    expect(open).not.toContain(done.eventId);

    // A retry succeeds: error cleared, attempts counted.
    await markProcessed(t.pool, failed.eventId);
    expect(await getEventByEventId(t.pool, failed.eventId)).toMatchObject({
      outcome: 'processed',
      error: null,
      attempts: 2,
    });
  });
});
