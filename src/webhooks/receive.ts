import { createHash, randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
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
 * One transaction per batch: the events in one INSERT (src/db/queries/webhookEvents.ts) and their
 * processing jobs through pg-boss's own `insert`, given our transaction's client as its `db`, sent
 * together (storeEvents), then COMMIT — committed durably before PostgreSQL answers. One batch
 * writes at a time while the ones before it wait for their COMMIT (the WAL flush); deliveries that
 * arrive meanwhile are written together by the next (natural batching: a lone delivery never waits
 * for company), so a burst costs one commit per batch rather than one per event.
 *
 * bench/webhooks.ts, before and after in one session on a shared 2-core machine (load 7–10): four
 * round trips a batch with four batches writing at once made 127–139 commits per 1,000 deliveries;
 * pipelining with one writer makes 75–77, PostgreSQL's CPU per delivery fell by a fifth and the
 * receiver's by a tenth, acks/s rose 6–26%. Receiver, server and load generator share two cores
 * and keep them busy, so CPU per delivery is what sets the speed.
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
  /** Most events per batch. Default 200. */
  maxBatch?: number;
  /**
   * Batches (transactions) in flight at once: one writing, the others committing. Default 3; the
   * receiver's pool has as many connections (route.ts).
   */
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
  const handled = isHandledEvent(envelope.event);
  return {
    eventId: envelope.eventId,
    event: envelope.event,
    itemId: itemIdOf(envelope),
    raw: toStorableJson(envelope),
    handled,
    jobId: handled ? randomUUID() : null,
  };
}

/** Batches in flight at once: the connections the recorder's pool needs. */
export function recorderInFlight(opts: WebhookRecorderOptions = {}): number {
  return Math.max(1, opts.maxInFlight ?? 3);
}

export function createWebhookRecorder(
  deps: WebhookRecorderDeps,
  opts: WebhookRecorderOptions = {},
): WebhookRecorder {
  const maxBatch = Math.max(1, opts.maxBatch ?? 200);
  const maxInFlight = recorderInFlight(opts);
  const maxWaiting = Math.max(1, opts.maxWaiting ?? 2 * maxBatch * maxInFlight);
  type Waiting = {
    event: NewWebhookEvent;
    resolve(v: { duplicate: boolean }): void;
    reject(err: unknown): void;
  };
  let waiting: Waiting[] = [];
  let inFlight = 0;
  // One batch writes at a time; the others in flight are waiting for their COMMIT (the WAL flush).
  let writing = false;

  const write = async (batch: Waiting[], onWritten: () => void) => {
    try {
      const stored = await storeEvents(
        deps,
        batch.map((w) => w.event),
        onWritten,
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
    if (writing || inFlight >= maxInFlight || waiting.length === 0) return;
    const batch = waiting.length <= maxBatch ? waiting : waiting.slice(0, maxBatch);
    waiting = waiting.length <= maxBatch ? [] : waiting.slice(maxBatch);
    inFlight++;
    writing = true;
    let written = false;
    const onWritten = () => {
      if (written) return;
      written = true;
      writing = false;
      pump();
    };
    void write(batch, onWritten).finally(() => {
      inFlight--;
      onWritten();
      pump();
    });
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

type EventJob = { id: string; name: typeof QUEUES.webhookEvent; data: WebhookEventJob };

/**
 * Stores the events and the jobs of the handled ones in one transaction; returns the eventIds
 * stored by it (not those already there). `onWritten` is called once the writes are done and only
 * the COMMIT remains (the recorder then lets the next batch start writing).
 *
 * Each handled event gets its job id from us (pg-boss takes an `id` in what `insert` is given, and
 * its insert answers no ids), kept in the event's row for the redrive to ask pg-boss about. So the
 * jobs do not wait for the events' INSERT to say which events are new: BEGIN, that INSERT and
 * pg-boss's `insert` (given this transaction's client as its `db`) go out together and are
 * answered in one round trip on a pipelining connection (in turn on any other), then COMMIT — two
 * round trips a batch instead of four. The jobs of events that turn out to be already stored (a
 * redelivery) are deleted again through pg-boss's `deleteJob` before COMMIT: an extra round trip
 * only then.
 *
 * pg-boss 10's `insert` silently skips jobs whose queue does not exist, so the `db` handed to it
 * counts the rows its statement wrote: fewer than the jobs sent throws, the transaction rolls back,
 * and no event is ever stored without its job. Its statements run as prepared ones (named by their
 * text), planned once per connection rather than per batch.
 */
async function storeEvents(
  deps: WebhookRecorderDeps,
  batch: readonly NewWebhookEvent[],
  onWritten: () => void = () => {},
): Promise<Set<string>> {
  // Within a batch the first of two identical eventIds is the one stored, and the one given a job.
  const byEventId = new Map<string, NewWebhookEvent>();
  for (const event of batch) if (!byEventId.has(event.eventId)) byEventId.set(event.eventId, event);
  const events = [...byEventId.values()];
  const jobs: EventJob[] = events.flatMap((e) =>
    e.jobId ? [{ id: e.jobId, name: QUEUES.webhookEvent, data: { eventId: e.eventId } }] : [],
  );
  return withTransaction(deps.pool, async (client) => {
    let written = 0;
    const db = preparedDb(client, (rows) => {
      written += rows;
    });
    let stored: Array<{ eventId: string }> = [];
    const writes = [
      async () => {
        stored = await insertEvents(client, events);
      },
      () => (jobs.length > 0 ? deps.boss.insert(jobs, { db }) : Promise.resolve()),
    ];
    if (client.pipeline) {
      // Sent now, behind the BEGIN withTransaction has not waited for.
      const settled = await Promise.allSettled(writes.map((write) => write()));
      // The first failure is the cause; the statements after it only saw the aborted transaction.
      const failure = settled.find((r) => r.status === 'rejected');
      if (failure) throw failure.reason;
    } else {
      for (const write of writes) await write();
    }
    if (written < jobs.length) {
      throw new Error(
        `pg-boss enqueued ${written} of ${jobs.length} ${QUEUES.webhookEvent} jobs (is the queue missing?); events not stored`,
      );
    }
    const storedIds = new Set(stored.map((e) => e.eventId));
    const redundant = jobs.filter((j) => !storedIds.has(j.data.eventId)).map((j) => j.id);
    if (redundant.length > 0) {
      await deps.boss.deleteJob(QUEUES.webhookEvent, redundant, { db: preparedDb(client) });
    }
    // Only the COMMIT is left: the next batch may start writing.
    onWritten();
    return storedIds;
  });
}

/** `client` as pg-boss's `db`, its statements prepared; `onRows` hears how many rows each wrote. */
function preparedDb(client: pg.PoolClient, onRows: (rows: number) => void = () => {}): PgBoss.Db {
  return {
    async executeSql(text, values) {
      const res = await client.query({ name: preparedName(text), text, values: values ?? [] });
      onRows(res.rowCount ?? 0);
      return res;
    },
  };
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
