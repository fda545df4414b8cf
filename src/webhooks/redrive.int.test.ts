import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getEventByEventId,
  insertEvent,
  markFailed,
  markProcessed,
  setEventJobId,
} from '../db/queries/webhookEvents.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createLogger } from '../log.ts';
import { createPluggyClient, PluggyError } from '../pluggy/index.ts';
import { type Boss, enqueue, QUEUES, startBoss } from '../sync/jobs.ts';
import { describeError } from '../domain/describeError.ts';
import { startWebhookWorker } from './process.ts';
import { recordWebhookEvent } from './receive.ts';
import { redriveWebhookEvents } from './redrive.ts';
import { UnprocessableWebhookEvent, type WebhookDeps } from './types.ts';

let t: TestDatabase;
let boss: Boss;
let deps: WebhookDeps;
beforeAll(async () => {
  t = await createTestDatabase();
  const logger = createLogger('silent');
  boss = await startBoss(t.url, logger, { schedule: false });
  // The events used here never reach Pluggy; an address nothing listens on proves it.
  const pluggy = createPluggyClient({ baseUrl: 'http://127.0.0.1:1', clientId: 'x', clientSecret: 'y' });
  deps = { pool: t.pool, pluggy, boss, logger };
});
afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await t?.drop();
});

const statusEvent = (eventId: string) => ({
  eventId,
  event: 'connector/status_updated',
  raw: { event: 'connector/status_updated', eventId, id: '2', data: { status: 'UNSTABLE' } },
});
const age = (eventId: string, minutes: number) =>
  t.pool.query(
    `UPDATE webhook_events SET received_at = now() - make_interval(mins => $2) WHERE event_id = $1`,
    [eventId, minutes],
  );

describe('webhook redrive: stored events whose retries ran out are queued again', () => {
  it('picks exactly the old, retryable, unqueued events — and they then get processed', async () => {
    const cases = {
      pendingOld: 'e-pending-old',
      failedOld: 'e-failed-old',
      unprocessable: 'e-unprocessable',
      stillQueued: 'e-still-queued',
      recent: 'e-recent',
      exhausted: 'e-exhausted',
      processed: 'e-processed',
    };
    for (const id of Object.values(cases)) await insertEvent(t.pool, statusEvent(id));
    await insertEvent(t.pool, {
      eventId: 'e-unknown-type',
      event: 'payment_intent/completed',
      raw: { event: 'payment_intent/completed', eventId: 'e-unknown-type' },
    });
    // The error texts exactly as processWebhookEvent writes them (describeError), so the query's
    // test for "unprocessable" is checked against the real format.
    const unprocessable = describeError(new UnprocessableWebhookEvent('no transactionIds'));
    expect(unprocessable).toBe('UnprocessableWebhookEvent: no transactionIds');
    const transient = describeError(
      new PluggyError({
        code: 'unavailable',
        method: 'GET',
        path: '/items/x',
        message: 'Pluggy GET /items/x: 503',
      }),
    );
    await markFailed(t.pool, cases.failedOld, transient);
    await markFailed(t.pool, cases.unprocessable, unprocessable);
    // Its job, as the receiver records it: the id in the event's row.
    const stillQueuedJob = await enqueue(boss, QUEUES.webhookEvent, { eventId: cases.stillQueued });
    await setEventJobId(t.pool, cases.stillQueued, stillQueuedJob!);
    for (let i = 0; i < 30; i++) await markFailed(t.pool, cases.exhausted, 'Error: still down');
    await markProcessed(t.pool, cases.processed);
    for (const id of [...Object.values(cases), 'e-unknown-type']) if (id !== cases.recent) await age(id, 90);

    const queued = await redriveWebhookEvents(deps);
    expect(queued.sort()).toEqual([cases.failedOld, cases.pendingOld].sort());
    // Running it again while those jobs wait queues nothing twice.
    expect(await redriveWebhookEvents(deps)).toEqual([]);

    const stop = await startWebhookWorker(deps, { pollingIntervalSeconds: 0.5, redriveCron: false });
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { rows } = await t.pool.query<{ event_id: string; outcome: string }>(
          `SELECT event_id, outcome FROM webhook_events WHERE event_id = ANY($1) ORDER BY event_id`,
          [[cases.failedOld, cases.pendingOld]],
        );
        if (rows.every((r) => r.outcome === 'processed')) break;
        if (Date.now() > deadline) throw new Error(`redriven events not processed: ${JSON.stringify(rows)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await stop();
    }
  });

  it('asks pg-boss about the job the receiver recorded: a lost job is replaced once, a queued one left alone', async () => {
    // Stored by the receiver itself, each with its job; no worker runs, so both jobs stay queued.
    const lost = 'e-job-lost';
    const waiting = 'e-job-waiting';
    for (const eventId of [lost, waiting]) {
      await recordWebhookEvent({ pool: t.pool, boss }, statusEvent(eventId).raw);
      await age(eventId, 90);
    }
    const jobOf = async (eventId: string) =>
      (
        await t.pool.query<{ job_id: string }>('SELECT job_id FROM webhook_events WHERE event_id = $1', [
          eventId,
        ])
      ).rows[0]!.job_id;
    const lostJob = await jobOf(lost);
    // Gone through pg-boss's own API (as an operator's purge or pg-boss's retention would).
    await boss.deleteJob(QUEUES.webhookEvent, lostJob);
    expect(await boss.getJobById(QUEUES.webhookEvent, lostJob)).toBeNull();

    expect(await redriveWebhookEvents(deps)).toEqual([lost]);
    // The event now names its new job, which pg-boss has queued for it.
    const newJob = await jobOf(lost);
    expect(newJob).not.toBe(lostJob);
    expect(await boss.getJobById(QUEUES.webhookEvent, newJob)).toMatchObject({
      state: 'created',
      data: { eventId: lost },
    });
    // Again, with both jobs waiting: nothing is queued twice.
    expect(await redriveWebhookEvents(deps)).toEqual([]);
    expect(await boss.getQueueSize(QUEUES.webhookEvent)).toBe(2);
    expect((await getEventByEventId(t.pool, waiting))?.outcome).toBe('pending');
  });
});
