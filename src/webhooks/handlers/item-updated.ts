import { getItem } from '../../db/queries/items.ts';
import { enqueue, QUEUES } from '../../sync/jobs.ts';
import type { WebhookHandler } from '../types.ts';
import { fetchItem, ownerOf, requireItemId } from './item-lookup.ts';
import { storeItem } from './item-state.ts';

/**
 * `item/updated`: Pluggy finished a sync of the item (docs/pluggy.md#event-types). Refresh its status
 * and sync our copy. When the item was flagged for reconnection, this is how the reconnection
 * ends: the sync runs as 'reconnected' and its success clears the flag.
 */
export const handleItemUpdated: WebhookHandler = async ({ deps, event, commit }) => {
  const itemId = requireItemId(event);
  const item = await fetchItem(deps.pluggy, itemId);
  if (!item) return;
  const userId = await ownerOf(deps.pool, item.clientUserId ?? event.payload.clientUserId);
  await commit(async (client) => {
    const before = await getItem(client, itemId);
    if (before?.deletedAt) return;
    await storeItem(client, item, userId);
    const reason = before?.needsReconnect && item.status === 'UPDATED' ? 'reconnected' : 'webhook';
    await enqueue(deps.boss, QUEUES.itemSync, { itemId, reason }, { db: client });
  });
};
