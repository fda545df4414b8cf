import { listItemsDueForSafetyNet } from '../db/queries/items.ts';
import { nowOf, type SyncDeps } from './deps.ts';
import { type Boss, enqueue, QUEUES } from './jobs.ts';

export type SafetyNetOptions = {
  /** Items not synced for this long are re-synced (config SYNC_STALE_AFTER_HOURS). */
  staleAfterHours: number;
  /** An item attempted this recently (failing, or waiting for a reconnect) is left alone for now. */
  retryAfterMs?: number;
  limit?: number;
};

/**
 * The periodic safety net (anchors "Takeaways": a lost webhook must never strand an item): queues
 * an item sync for every live item not synced for longer than the configured age. item-sync jobs
 * coalesce per item, so an item already queued is not queued twice. Returns the ids queued.
 */
export async function runSafetyNet(
  deps: SyncDeps & { boss: Boss },
  opts: SafetyNetOptions,
): Promise<string[]> {
  const now = nowOf(deps).getTime();
  const due = await listItemsDueForSafetyNet(
    deps.pool,
    new Date(now - opts.staleAfterHours * 3_600_000),
    new Date(now - (opts.retryAfterMs ?? 3_600_000)),
    opts.limit,
  );
  const queued: string[] = [];
  for (const itemId of due) {
    const id = await enqueue(deps.boss, QUEUES.itemSync, { itemId, reason: 'safety-net' });
    if (id) queued.push(itemId);
  }
  if (due.length)
    deps.logger.info({ due: due.length, queued: queued.length }, 'safety net queued stale items');
  return queued;
}
