import PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { PluggyError } from '../pluggy/index.ts';

/**
 * The durable job contract: queue names, payloads and how to enqueue — shared by the webhook
 * receiver (which enqueues inside its own transaction) and the sync workers (which consume).
 */
export const QUEUES = {
  /** Process one stored webhook event (src/webhooks/handlers). */
  webhookEvent: 'webhook-event',
  /** Sync everything of an item: accounts, transactions (full history or from the watermark), identity, investments, loans, bills. */
  itemSync: 'item-sync',
  /** New transactions announced by `transactions/created`, fetched by createdAtFrom (never by date). */
  transactionsCreated: 'transactions-created',
  /** Re-fetch transactions changed in place (`transactions/updated`). */
  transactionsUpdated: 'transactions-updated',
  /** Remove transactions Pluggy deleted (`transactions/deleted`, card restatements). */
  transactionsDeleted: 'transactions-deleted',
  /** Remove every local row of a deleted item. */
  itemPurge: 'item-purge',
  /** Periodic safety net: re-sync items not synced for longer than the configured age. */
  safetyNet: 'safety-net',
  /** Periodic: re-queue stored webhook events left unprocessed once their job's retries ran out. */
  webhookRedrive: 'webhook-redrive',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export type WebhookEventJob = { eventId: string };
export type ItemSyncJob = {
  itemId: string;
  reason: 'connected' | 'webhook' | 'safety-net' | 'manual' | 'reconnected';
};
export type TransactionsCreatedJob = { itemId: string; accountId: string; createdAtFrom: string };
export type TransactionIdsJob = { itemId: string; accountId?: string; transactionIds: string[] };
export type ItemPurgeJob = { itemId: string };

export type JobPayloads = {
  [QUEUES.webhookEvent]: WebhookEventJob;
  [QUEUES.itemSync]: ItemSyncJob;
  [QUEUES.transactionsCreated]: TransactionsCreatedJob;
  [QUEUES.transactionsUpdated]: TransactionIdsJob;
  [QUEUES.transactionsDeleted]: TransactionIdsJob;
  [QUEUES.itemPurge]: ItemPurgeJob;
  [QUEUES.safetyNet]: Record<string, never>;
  [QUEUES.webhookRedrive]: Record<string, never>;
};

/**
 * Queue settings. item-sync uses pg-boss's `short` policy keyed by item id: while one sync of an
 * item is queued, more requests for it coalesce into that one (the per-item lock in the worker
 * keeps a running sync and the queued one from overlapping). `stately` would also serialize, but its
 * fetch fails the whole batch when the head job's key is busy, stalling every other item.
 */
const QUEUE_SETTINGS: Record<QueueName, Omit<PgBoss.Queue, 'name'>> = {
  // Events take milliseconds (at most one Pluggy call, bounded by the client's retry budget), so a
  // job whose worker died is retried after 5 minutes rather than pg-boss's default 15.
  [QUEUES.webhookEvent]: {
    policy: 'standard',
    retryLimit: 8,
    retryDelay: 2,
    retryBackoff: true,
    expireInSeconds: 300,
  },
  [QUEUES.itemSync]: {
    policy: 'short',
    retryLimit: 6,
    retryDelay: 10,
    retryBackoff: true,
    expireInSeconds: 60 * 60,
  },
  // An hour like item-sync: a transactions job for an item we do not hold yet runs its full sync
  // inline, and a job outliving pg-boss's 15-minute default would be failed while still running.
  [QUEUES.transactionsCreated]: {
    policy: 'standard',
    retryLimit: 8,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 3600,
  },
  [QUEUES.transactionsUpdated]: {
    policy: 'standard',
    retryLimit: 8,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 3600,
  },
  [QUEUES.transactionsDeleted]: {
    policy: 'standard',
    retryLimit: 8,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 3600,
  },
  [QUEUES.itemPurge]: {
    policy: 'standard',
    retryLimit: 8,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 3600,
  },
  [QUEUES.safetyNet]: { policy: 'singleton', retryLimit: 0 },
  [QUEUES.webhookRedrive]: { policy: 'singleton', retryLimit: 0 },
};

export type Boss = PgBoss;

export async function startBoss(
  databaseUrl: string,
  logger: Logger,
  opts: { max?: number; schedule?: boolean } = {},
): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: 'pgboss',
    max: opts.max ?? 4,
    schedule: opts.schedule ?? true,
    // Keep finished jobs a week: they are the audit trail of what sync did and why.
    deleteAfterDays: 7,
  });
  boss.on('error', (err: Error & { code?: string }) => {
    // 57P01: the server was shut down. Expected while stopping (Ctrl-C reaches an embedded
    // PostgreSQL too, as it shares our process group); anything else is a real failure.
    if (err.code === '57P01')
      logger.warn({ code: err.code }, 'job queue lost its database connection (server shutting down)');
    else logger.error({ err }, 'job queue error');
  });
  await boss.start();
  for (const [name, settings] of Object.entries(QUEUE_SETTINGS)) {
    // Processes starting together on a fresh database (`--role api` and `worker` side by side)
    // race to create the same queues: pg-boss's createQueue then deadlocks or hits its unique key
    // in all but one. The loser finds the queue made and updates it instead.
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = await boss.getQueue(name);
        if (existing) await boss.updateQueue(name, { name, ...settings });
        else await boss.createQueue(name, { name, ...settings });
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 5 || (code !== '40P01' && code !== '23505')) {
          await boss.stop({ graceful: false, wait: true }).catch(() => {});
          throw err;
        }
        await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 100));
      }
    }
  }
  return boss;
}

/** A pg client or pool as pg-boss's `db` option: the job row joins the caller's transaction. */
export function inTransaction(db: pg.PoolClient | pg.Pool): PgBoss.Db {
  return { executeSql: (text, values) => db.query(text, values) };
}

export type EnqueueOptions = {
  /** Enqueue inside this client's open transaction (committed or rolled back with it). */
  db?: pg.PoolClient;
  startAfter?: number | string | Date;
  singletonKey?: string;
};

/** Returns the job id, or null when the job coalesced into one already queued. */
export async function enqueue<Q extends QueueName>(
  boss: PgBoss,
  queue: Q,
  data: JobPayloads[Q],
  opts: EnqueueOptions = {},
): Promise<string | null> {
  const singletonKey =
    opts.singletonKey ?? (queue === QUEUES.itemSync ? (data as ItemSyncJob).itemId : undefined);
  return boss.send(queue, data as object, {
    ...(opts.db ? { db: inTransaction(opts.db) } : {}),
    ...(opts.startAfter !== undefined ? { startAfter: opts.startAfter } : {}),
    ...(singletonKey ? { singletonKey } : {}),
  });
}

/**
 * Seconds to wait before running a job again when Pluggy rate-limited it, else undefined.
 * Pluggy's 429 says `Retry-After: 60` (docs/pluggy.md#rate-limits) and keeps refusing until then; the
 * client gives up rather than sleep through a job, and the queue's own back-off (seconds) would
 * spend retries inside the closed window. So the job steps aside until the window reopens.
 */
export function rateLimitDelaySeconds(err: unknown): number | undefined {
  if (!(err instanceof PluggyError) || err.code !== 'rate-limited') return undefined;
  return Math.max(1, Math.ceil((err.retryAfterMs ?? 60_000) / 1000));
}
