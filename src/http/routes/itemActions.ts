import type pg from 'pg';
import { withTransaction } from '../../db/pool.ts';
import { listItemsByUser, type ItemRow } from '../../db/queries/items.ts';
import { deleteRevocationsOfPerson } from '../../db/queries/assistantTokenRevocations.ts';
import { deleteToolCallsOfPerson } from '../../db/queries/assistantToolCalls.ts';
import { deleteRunsOfItems } from '../../db/queries/syncRuns.ts';
import { deleteUserById } from '../../db/queries/users.ts';
import { deleteEventsOfPerson } from '../../db/queries/webhookEvents.ts';
import { AppError } from '../../domain/errors.ts';
import type { Logger } from '../../log.ts';
import { type PluggyClient, PluggyError } from '../../pluggy/index.ts';
import { purgeItem } from '../../sync/purgeItem.ts';

/** What the person-level actions need; the routes pass it in. */
export type ItemActionDeps = {
  pool: pg.Pool;
  pluggy: PluggyClient;
  logger: Logger;
};

/**
 * Asks Pluggy to update the item now. Pluggy refuses an update while one runs (400
 * ITEM_ALREADY_UPDATING), more often than the item's allowed frequency (409
 * CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY) and more than 20 a minute (429); each becomes a
 * 409/429 with Retry-After (docs/pluggy.md, items). Returns 'needs-person' when only the person
 * can start it (MFA at every login, or the item already waits for them).
 */
export async function refreshItem(
  deps: ItemActionDeps,
  item: ItemRow,
  now = new Date(),
): Promise<'accepted' | 'needs-person'> {
  const connector = (item.raw as { connector?: { hasMFA?: boolean } } | null)?.connector;
  if (item.needsReconnect || connector?.hasMFA) return 'needs-person';
  try {
    await deps.pluggy.updateItem(item.id);
    return 'accepted';
  } catch (err) {
    if (!(err instanceof PluggyError)) throw err;
    if (err.code === 'rate-limited') {
      throw new AppError('rate-limited', 'pluggy-rate-limited', 'Pluggy refuses more updates right now.', {
        retryAfterSeconds: Math.max(1, Math.ceil((err.retryAfterMs ?? 60_000) / 1000)),
      });
    }
    if (err.pluggyCode === 'ITEM_ALREADY_UPDATING') {
      throw new AppError('conflict', 'item-already-updating', 'The item is being updated already.', {
        retryAfterSeconds: 60,
      });
    }
    if (err.pluggyCode === 'CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY') {
      throw new AppError(
        'conflict',
        'refresh-too-early',
        'Pluggy allows updating this item only so often; it was updated recently.',
        { retryAfterSeconds: secondsUntilAllowed(err.pluggyMessage, item, now) },
      );
    }
    if (err.pluggyCode === 'CONNECTOR_REQUIRED_PARAMETER_VALIDATION_ERROR') return 'needs-person';
    if (err.code === 'not-found') {
      throw new AppError('not-found', 'item-not-found', 'Pluggy does not know this item any more.');
    }
    throw err;
  }
}

/** Pluggy's message names the allowed frequency and the last update ("every 24 hours. Last update was at …"). */
function secondsUntilAllowed(message: string | undefined, item: ItemRow, now: Date): number {
  const hours = Number(/every (\d+) hours?/i.exec(message ?? '')?.[1] ?? 24);
  const lastText = /at (\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(message ?? '')?.[1];
  const last = lastText ? new Date(lastText) : item.pluggyLastUpdatedAt;
  if (!last || Number.isNaN(last.getTime())) return hours * 3600;
  return Math.max(1, Math.ceil((last.getTime() + hours * 3_600_000 - now.getTime()) / 1000));
}

/** Deleted at Pluggy (already gone there is fine), then every local row, under the item's sync lock. */
export async function deleteItemEverywhere(deps: ItemActionDeps, itemId: string): Promise<void> {
  try {
    await deps.pluggy.deleteItem(itemId);
  } catch (err) {
    if (!(err instanceof PluggyError && err.code === 'not-found')) throw err;
  }
  await purgeItem({ pool: deps.pool, pluggy: deps.pluggy, logger: deps.logger }, itemId);
}

/**
 * The person's right to erasure (LGPD): every item deleted at Pluggy, every row of theirs purged
 * (sync history, stored webhook deliveries of their items and the assistant's audit trail included), the person removed.
 * A Pluggy failure stops it before anything local is lost, so it can simply be asked again.
 */
export async function erasePerson(deps: ItemActionDeps, userId: string): Promise<{ items: number }> {
  const items = await listItemsByUser(deps.pool, userId, { includeDeleted: true });
  for (const item of items) await deleteItemEverywhere(deps, item.id);
  const ids = items.map((i) => i.id);
  await withTransaction(deps.pool, async (client) => {
    const events = await deleteEventsOfPerson(client, userId, ids);
    await deleteRunsOfItems(client, [...new Set([...ids, ...events.itemIds])]);
    await deleteToolCallsOfPerson(client, userId);
    await deleteRevocationsOfPerson(client, userId);
    await deleteUserById(client, userId);
  });
  return { items: items.length };
}
