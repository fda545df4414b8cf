import type pg from 'pg';
import type { Logger } from '../log.ts';
import type { PluggyClient } from '../pluggy/index.ts';
import type { Boss } from '../sync/jobs.ts';

/** What event processing needs; passed explicitly, never imported as singletons. */
export type WebhookDeps = {
  pool: pg.Pool;
  pluggy: PluggyClient;
  boss: Boss;
  logger: Logger;
};

/** One stored delivery, as the handlers see it. */
export type StoredWebhookEvent = {
  eventId: string;
  event: string;
  itemId: string | null;
  /** When the delivery was stored (events carry no timestamp of their own). */
  receivedAt: Date;
  /** The body exactly as Pluggy sent it. */
  payload: Record<string, unknown>;
};

export type HandlerContext = {
  deps: WebhookDeps;
  event: StoredWebhookEvent;
  /**
   * Runs `fn` in one transaction that also marks the event processed, so a handler's writes and
   * enqueued jobs land exactly once however often the event is delivered or its job retried.
   * Slow work (Pluggy calls) belongs before it. A handler that calls it no more than once; one
   * that never calls it is marked processed with no effect.
   */
  commit(fn: (client: pg.PoolClient) => Promise<void>): Promise<void>;
};

export type WebhookHandler = (ctx: HandlerContext) => Promise<void>;

/**
 * A payload that can never be processed (a required field missing): retrying will not help, so
 * the event is marked failed without a retry.
 */
export class UnprocessableWebhookEvent extends Error {
  override name = 'UnprocessableWebhookEvent';
}
