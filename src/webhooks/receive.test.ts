import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Boss } from '../sync/jobs.ts';
import { WebhookPayloadTooDeep } from './payload.ts';
import { createWebhookRecorder, WebhookReceiverBusy } from './receive.ts';

/**
 * The recorder's batching rules against a stand-in pool: what a failed batch does next depends on
 * the failure, each delivery is serialised on its own, and the waiting queue is bounded. (Against PostgreSQL itself: receive.int.test.ts.)
 */
type Call = { eventIds: string[] };
/** A pool whose transactions run `answer` for each events INSERT, and a boss whose insert writes every job. */
function fakePool(answer: (call: Call) => Promise<void>) {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const client = {
    async query(q: string | { name?: string; text: string; values: unknown[] }) {
      if (typeof q === 'string') return { rows: [], rowCount: 0 }; // BEGIN, COMMIT, ROLLBACK
      if (q.text === 'insert jobs') return { rows: [], rowCount: (q.values[0] as unknown[]).length };
      const call = { eventIds: q.values[0] as string[] };
      calls.push(call);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await answer(call);
        return { rows: [...new Set(call.eventIds)].map((eventId) => ({ eventId, outcome: 'pending' })) };
      } finally {
        inFlight--;
      }
    },
    release() {},
  };
  const pool = { connect: async () => client };
  const boss = {
    async insert(jobs: unknown[], opts: { db: { executeSql(t: string, v: unknown[]): Promise<unknown> } }) {
      await opts.db.executeSql('insert jobs', [jobs]);
    },
  };
  return {
    deps: { pool: pool as unknown as pg.Pool, boss: boss as unknown as Boss },
    calls,
    maxInFlight: () => maxInFlight,
  };
}
const sqlError = (code: string, message = `SQLSTATE ${code}`) => Object.assign(new Error(message), { code });
const ev = (eventId: string) => ({ event: 'item/updated', eventId, itemId: 'i' });

describe('createWebhookRecorder: a failed batch', () => {
  for (const [what, failure] of [
    ['a data error (class 22)', sqlError('22P05')],
    ['a constraint (class 23)', sqlError('23505')],
    ['an internal error (XX000)', sqlError('XX000', 'could not read block')],
    ['an error without SQLSTATE', new RangeError('Maximum call stack size exceeded')],
  ] as const) {
    it(`is split event by event, one transaction at a time, for ${what}`, async () => {
      const db = fakePool(async ({ eventIds }) => {
        await new Promise((r) => setTimeout(r, 2));
        if (eventIds.includes('bad')) throw failure;
      });
      const recorder = createWebhookRecorder(db.deps, { maxBatch: 50, maxInFlight: 1 });
      const ids = ['first', 'a', 'bad', 'b', 'c'];
      const outcomes = await Promise.allSettled(ids.map((id) => recorder.record(ev(id))));
      expect(outcomes.map((o) => o.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect((outcomes[2] as PromiseRejectedResult).reason).toBe(failure);
      // The lone first, the batch of four, then each of the four alone — never two at once.
      expect(db.calls.map((c) => c.eventIds)).toEqual([
        ['first'],
        ['a', 'bad', 'b', 'c'],
        ['a'],
        ['bad'],
        ['b'],
        ['c'],
      ]);
      expect(db.maxInFlight()).toBe(1);
    });
  }

  it('fails whole, without a retry per event, when the database is unavailable', async () => {
    const down = sqlError('57P01', 'terminating connection due to administrator command');
    let first = true;
    const db = fakePool(async () => {
      await new Promise((r) => setTimeout(r, 2));
      if (first) {
        first = false;
        return;
      }
      throw down;
    });
    const recorder = createWebhookRecorder(db.deps, { maxBatch: 50, maxInFlight: 1 });
    const outcomes = await Promise.allSettled(['ok', 'x', 'y', 'z'].map((id) => recorder.record(ev(id))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    for (const o of outcomes.slice(1)) expect((o as PromiseRejectedResult).reason).toBe(down);
    expect(db.calls.map((c) => c.eventIds)).toEqual([['ok'], ['x', 'y', 'z']]);
  });

  it('fails whole for a lost connection without SQLSTATE too', async () => {
    const db = fakePool(async ({ eventIds }) => {
      await new Promise((r) => setTimeout(r, 2));
      if (eventIds.length > 1) throw new Error('Connection terminated unexpectedly');
    });
    const recorder = createWebhookRecorder(db.deps, { maxBatch: 50, maxInFlight: 1 });
    const outcomes = await Promise.allSettled(['ok', 'x', 'y'].map((id) => recorder.record(ev(id))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(db.calls).toHaveLength(2);
  });
});

describe('createWebhookRecorder: each delivery serialised on its own', () => {
  it('a body nested too deep is refused alone, before it joins a batch; the others are stored', async () => {
    const db = fakePool(() => new Promise((r) => setTimeout(r, 2)));
    const recorder = createWebhookRecorder(db.deps, { maxBatch: 50, maxInFlight: 1 });
    let deep: unknown = 'bottom';
    for (let i = 0; i < 5_000; i++) deep = [deep];
    const outcomes = await Promise.allSettled([
      recorder.record(ev('a')),
      recorder.record({ ...ev('deep'), deep }),
      recorder.record(ev('b')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(WebhookPayloadTooDeep);
    expect(db.calls.flatMap((c) => c.eventIds)).toEqual(['a', 'b']);
  });
});

describe('createWebhookRecorder: the waiting queue', () => {
  it('is capped: past maxWaiting a delivery is refused at once as busy (503 + Retry-After)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const db = fakePool(() => gate);
    const recorder = createWebhookRecorder(db.deps, { maxBatch: 1, maxInFlight: 1, maxWaiting: 2 });
    const accepted = ['in-flight', 'wait-1', 'wait-2'].map((id) => recorder.record(ev(id)));
    const refused = recorder.record(ev('one-too-many'));
    await expect(refused).rejects.toBeInstanceOf(WebhookReceiverBusy);
    await expect(refused).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'webhook-receiver-busy',
      extra: { retryAfterSeconds: expect.any(Number) },
    });
    expect(db.calls).toHaveLength(1);
    release();
    expect(await Promise.all(accepted)).toEqual([
      { duplicate: false },
      { duplicate: false },
      { duplicate: false },
    ]);
    // Room again once the queue drained.
    expect(await recorder.record(ev('later'))).toEqual({ duplicate: false });
  });

  it('defaults to 2 × maxBatch × maxInFlight', async () => {
    const db = fakePool(() => new Promise(() => {}));
    const recorder = createWebhookRecorder(db.deps, { maxBatch: 2, maxInFlight: 1 });
    // One goes out at once; four (2 × 2 × 1) may wait; the sixth is refused.
    const pending = Array.from({ length: 5 }, (_, i) => recorder.record(ev(`e${i}`)));
    for (const p of pending) p.catch(() => {});
    await expect(recorder.record(ev('e5'))).rejects.toBeInstanceOf(WebhookReceiverBusy);
  });
});
