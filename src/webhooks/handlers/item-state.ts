import { setItemStatus } from '../../db/queries/items.ts';
import { storeItem } from '../../sync/storeItem.ts';
import type { HandlerContext } from '../types.ts';
import { errorCode, isUserFixable } from '../../domain/itemHealth.ts';
import { fetchItem, ownerOf, requireItemId } from './item-lookup.ts';

// One rule for storing an item, shared with the sync (src/sync/storeItem.ts); re-exported for the
// other item handlers.
export { storeItem };

/**
 * item/error and item/waiting_user_input: record Pluggy's status, execution status and error and
 * whether the person must act. When Pluggy no longer has the item, what the event itself says is
 * recorded on our row (if we have one).
 */
export async function recordItemNeedingAttention(
  { deps, event, commit }: HandlerContext,
  fallback: { status?: string; waitingForPerson: boolean },
): Promise<void> {
  const itemId = requireItemId(event);
  const item = await fetchItem(deps.pluggy, itemId);
  if (!item) {
    const { error } = event.payload;
    await commit(async (client) => {
      await setItemStatus(client, itemId, {
        ...(fallback.status ? { status: fallback.status } : {}),
        ...(error !== undefined ? { error } : {}),
        ...(fallback.waitingForPerson || isUserFixable(errorCode(error)) ? { needsReconnect: true } : {}),
      });
    });
    return;
  }
  const userId = await ownerOf(deps.pool, item.clientUserId ?? event.payload.clientUserId);
  await commit(async (client) => {
    await storeItem(client, item, userId);
  });
}
