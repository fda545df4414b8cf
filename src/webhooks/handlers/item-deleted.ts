import { markItemDeleted } from '../../db/queries/items.ts';
import { enqueue, QUEUES } from '../../sync/jobs.ts';
import type { WebhookHandler } from '../types.ts';
import { requireItemId } from './item-lookup.ts';

/**
 * `item/deleted`: the connection is gone at Pluggy (the person or we removed it). Mark it deleted
 * at once so nothing reads or syncs it, and purge its rows in the background.
 */
export const handleItemDeleted: WebhookHandler = async ({ deps, event, commit }) => {
  const itemId = requireItemId(event);
  await commit(async (client) => {
    await markItemDeleted(client, itemId);
    await enqueue(deps.boss, QUEUES.itemPurge, { itemId }, { db: client });
  });
};
