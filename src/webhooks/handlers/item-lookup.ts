import { getUserById } from '../../db/queries/users.ts';
import type { Db } from '../../db/pool.ts';
import { type Item, PluggyError, type PluggyClient } from '../../pluggy/index.ts';
import { type StoredWebhookEvent, UnprocessableWebhookEvent } from '../types.ts';

/** The item id of an item or transactions event; an event without one cannot be processed. */
export function requireItemId(event: StoredWebhookEvent): string {
  if (event.itemId) return event.itemId;
  throw new UnprocessableWebhookEvent(`${event.event} event ${event.eventId} carries no itemId`);
}

/**
 * Pluggy's current view of the item — webhook payloads are signals, the data is fetched with the
 * API key (docs/pluggy.md#deliveries-and-retries, #authenticating-deliveries item 5). null when Pluggy no
 * longer has the item (deleted since; its item/deleted event does the cleanup).
 */
export async function fetchItem(pluggy: PluggyClient, itemId: string): Promise<Item | null> {
  try {
    return await pluggy.getItem(itemId);
  } catch (err) {
    if (err instanceof PluggyError && err.code === 'not-found') return null;
    throw err;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Our user behind a Pluggy clientUserId. The service creates connect tokens with OUR user's uuid
 * as clientUserId (never the phone number), so anything that is not one of our users' ids links
 * to nobody.
 */
export async function ownerOf(db: Db, clientUserId: unknown): Promise<string | undefined> {
  if (typeof clientUserId !== 'string' || !UUID.test(clientUserId)) return undefined;
  const user = await getUserById(db, clientUserId.toLowerCase());
  return user?.id;
}
