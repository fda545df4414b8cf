import type { Db } from '../db/pool.ts';
import { markItemSynced, setItemStatus, upsertItemFromPluggy } from '../db/queries/items.ts';
import { needsPerson } from '../domain/itemHealth.ts';
import type { Item } from '../pluggy/index.ts';

/**
 * The one way Pluggy's view of an item is stored, by the webhook handlers and the sync alike:
 * linked to its owner when known, and flagged needs-reconnect when it waits for the person
 * (domain/itemHealth.ts). Storing only ever SETS the flag — an event arriving late must not
 * clear it; clearing is markItemCurrent's, once the data is current again.
 */
export async function storeItem(db: Db, item: Item, userId?: string) {
  return upsertItemFromPluggy(db, item, {
    ...(userId ? { userId } : {}),
    ...(needsPerson(item) ? { needsReconnect: true } : {}),
  });
}

/**
 * After a sync committed everything (call in its last transaction): records it, and lifts the
 * needs-reconnect flag unless Pluggy still says the person must act (an OUTDATED item whose error
 * is theirs to fix, e.g. ACCOUNT_LOCKED). `flagged` = the flag as storeItem left it.
 */
export async function markItemCurrent(db: Db, item: Item, flagged: boolean, at: Date): Promise<void> {
  await markItemSynced(db, item.id, at);
  if (flagged && !needsPerson(item)) await setItemStatus(db, item.id, { needsReconnect: false });
}
