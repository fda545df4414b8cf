import type { WebhookHandler } from '../types.ts';
import { fetchItem, ownerOf, requireItemId } from './item-lookup.ts';
import { storeItem } from './item-state.ts';

/**
 * `item/login_succeeded`: the bank accepted the login and Pluggy is collecting. Record the
 * progress (status and execution status as Pluggy reports them now); the data follows with
 * item/created or item/updated. Storing the item here also links it to its user early.
 */
export const handleItemLoginSucceeded: WebhookHandler = async ({ deps, event, commit }) => {
  const itemId = requireItemId(event);
  const item = await fetchItem(deps.pluggy, itemId);
  if (!item) return;
  const userId = await ownerOf(deps.pool, item.clientUserId ?? event.payload.clientUserId);
  await commit(async (client) => {
    await storeItem(client, item, userId);
  });
};
