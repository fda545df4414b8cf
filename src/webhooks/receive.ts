import { createHash } from 'node:crypto';
import type pg from 'pg';
import { insertEvents, type NewWebhookEvent } from '../db/queries/webhookEvents.ts';
import { withTransaction } from '../db/pool.ts';
import { AppError } from '../domain/errors.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { type Boss, QUEUES, type WebhookEventJob } from '../sync/jobs.ts';
import { type Envelope, isHandledEvent, itemIdOf } from './events.ts';
import { toStorableJson } from './payload.ts';

/**
 * Stores deliveries and enqueues their processing ATOMICALLY: once `record` resolves, the event is
 * durable and will be processed; if it rejects, nothing of it was stored and the sender must retry.
 * A redelivered eventId changes nothing (`duplicate: true`). Unknown event types are kept for the
 * record, marked ignored, and enqueue nothing.
 *
 * One transaction per batch: the events in one INSERT (src/db/queries/webhookEvents.ts), then the
 * processing jobs of those newly stored through pg-boss's own `insert`, given our transaction's
 * client as its `db`, then COMMIT — committed durably before PostgreSQL answers. Deliveries that
 * arrive while batches are in flight are written together by the next one (natural batching: a
 * lone delivery never waits for company), so a burst costs one commit per batch rather than one
 * per event. bench/webhooks.ts measures the effect.
 *
 * Each delivery is serialised on its own before it joins a batch (payload.ts), so a body that
 * cannot be written fails alone, at once. A batch that fails anyway is retried event by event,
 * one after another, so one bad event fails alone — for any failure but an unreachable database:
 * retrying each would only multiply the load on a database already in trouble, and each sender
 * gets the error and retries later. "Unreachable" is the shared mapping's own test
 * (isDatabaseUnavailable), so exactly the failures answered 503 are the ones not split.
 *
 * Deliveries waiting for a free batch slot are capped (`maxWaiting`): past it a delivery is
 * refused at once with `WebhookReceiverBusy` (503 + Retry-After) rather than held in memory while
 * Pluggy's 5–10 s deadline runs out (docs/pluggy.md#deliveries-and-retries).
 */
export type WebhookRecorder = { record(envelope: Envelope): Promise<{ duplicate: boolean }> };

export type WebhookRecorderDeps = { pool: pg.Pool; boss: Boss };

export type WebhookRecorderOptions = {
  /** Most events per batch. Default 100. */
  maxBatch?: number;
  /** Batches (transactions) in flight at once (keep below the pool size). Default 4. */
  maxInFlight?: number;
  /** Most deliveries waiting for a batch slot. Default 2 × maxBatch × maxInFlight. */
  maxWaiting?: number;
};

/** Too many deliveries already waiting: the sender should retry shortly (503 + Retry-After). */
export class WebhookReceiverBusy extends AppError {
  constructor(retryAfterSeconds = 5) {
    super('unavailable', 'webhook-receiver-busy', 'Too many webhook deliveries at once; retry shortly.', {
      retryAfterSeconds,
    });
  }
}

/** One delivery as a row to store; throws (for this delivery alone) if its body cannot be stored. */
export function toNewEvent(envelope: Envelope): NewWebhookEvent {
  return {
    eventId: envelope.eventId,
    event: envelope.event,
    itemId: itemIdOf(envelope),
    raw: toStorableJson(envelope),
    handled: isHandledEvent(envelope.event),
  };
}

export function createWebhookRecorder(
  deps: WebhookRecorderDeps,
  opts: WebhookRecorderOptions = {},
): WebhookRecorder {
  const maxBatch = Math.max(1, opts.maxBatch ?? 100);
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 4);
  const maxWaiting = Math.max(1, opts.maxWaiting ?? 2 * maxBatch * maxInFlight);
  type Waiting = {
    event: NewWebhookEvent;
    resolve(v: { duplicate: boolean }): void;
    reject(err: unknown): void;
  };
  let waiting: Waiting[] = [];
  let inFlight = 0;

  const write = async (batch: Waiting[]) => {
    try {
      const stored = await storeEvents(
        deps,
        batch.map((w) => w.event),
      );
      for (const w of batch) {
        // Within a batch the first of two identical eventIds is the one stored.
        const first = stored.delete(w.event.eventId);
        w.resolve({ duplicate: !first });
      }
    } catch (err) {
      if (batch.length === 1 || isDatabaseUnavailable(err)) {
        for (const w of batch) w.reject(err);
        return;
      }
      // One at a time: this slot stays one transaction in flight, like the batch it replaces.
      for (const w of batch) {
        try {
          const stored = await storeEvents(deps, [w.event]);
          w.resolve({ duplicate: !stored.has(w.event.eventId) });
        } catch (e) {
          w.reject(e);
        }
      }
    }
  };

  const pump = () => {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = waiting.length <= maxBatch ? waiting : waiting.slice(0, maxBatch);
      waiting = waiting.length <= maxBatch ? [] : waiting.slice(maxBatch);
      inFlight++;
      void write(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return {
    record(envelope) {
      if (waiting.length >= maxWaiting) return Promise.reject(new WebhookReceiverBusy());
      let event: NewWebhookEvent;
      try {
        event = toNewEvent(envelope);
      } catch (err) {
        return Promise.reject(err);
      }
      return new Promise((resolve, reject) => {
        waiting.push({ event, resolve, reject });
        pump();
      });
    },
  };
}

/** One event, one transaction: the recorder without batching (tests, tools). */
export async function recordWebhookEvent(
  deps: WebhookRecorderDeps,
  envelope: Envelope,
): Promise<{ duplicate: boolean }> {
  const event = toNewEvent(envelope);
  const stored = await storeEvents(deps, [event]);
  return { duplicate: !stored.has(event.eventId) };
}

/**
 * Stores the events and the jobs of the handled ones in one transaction; returns the eventIds
 * stored by it (not those already there).
 *
 * pg-boss 10's `insert` answers nothing (its statement returns no rows) and silently skips jobs
 * whose queue does not exist. So the `db` handed to it also counts the rows its statement wrote:
 * fewer than the jobs sent throws, the transaction rolls back, and no event is ever stored
 * without its job. Its statement runs as a prepared one (named by its text), planned once per
 * connection rather than per batch.
 */
async function storeEvents(deps: WebhookRecorderDeps, events: NewWebhookEvent[]): Promise<Set<string>> {
  return withTransaction(deps.pool, async (client) => {
    const stored = await insertEvents(client, events);
    const jobs = stored
      .filter((e) => e.outcome === 'pending')
      .map((e) => ({ name: QUEUES.webhookEvent, data: { eventId: e.eventId } satisfies WebhookEventJob }));
    if (jobs.length > 0) {
      let written = 0;
      await deps.boss.insert(jobs, {
        db: {
          async executeSql(text, values) {
            const res = await client.query({ name: preparedName(text), text, values });
            written += res.rowCount ?? 0;
            return res;
          },
        },
      });
      if (written < jobs.length) {
        throw new Error(
          `pg-boss enqueued ${written} of ${jobs.length} ${QUEUES.webhookEvent} jobs (is the queue missing?); events not stored`,
        );
      }
    }
    return new Set(stored.map((e) => e.eventId));
  });
}

const preparedNames = new Map<string, string>();
/** A statement name unique to `text`: a connection never sees one name with two texts. */
function preparedName(text: string): string {
  let name = preparedNames.get(text);
  if (!name) {
    name = `webhooks.pg-boss.${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return name;
}
