import { enqueue, QUEUES } from '../../sync/jobs.ts';
import type { WebhookHandler } from '../types.ts';
import { fetchItem, ownerOf, requireItemId } from './item-lookup.ts';
import { storeItem } from './item-state.ts';

/**
 * `item/created`: a first connection finished. Store the item, link it to our user through
 * clientUserId, and start its full sync.
 */
export const handleItemCreated: WebhookHandler = async ({ deps, event, commit }) => {
  const itemId = requireItemId(event);
  const item = await fetchItem(deps.pluggy, itemId);
  if (!item) return;
  const userId = await ownerOf(deps.pool, item.clientUserId ?? event.payload.clientUserId);
  await commit(async (client) => {
    await storeItem(client, item, userId);
    await enqueue(deps.boss, QUEUES.itemSync, { itemId, reason: 'connected' }, { db: client });
  });
};
