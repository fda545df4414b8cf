import { enqueue, QUEUES } from '../../sync/jobs.ts';
import type { WebhookHandler } from '../types.ts';
import { requireItemId } from './item-lookup.ts';

/**
 * `transactions/created`: new transactions stored for one account (docs/pluggy.md#transaction-events). They
 * are fetched by creation time (`transactionsCreatedAtFrom`), never by transaction date: Pluggy
 * backdates late-ingested rows, which a date filter would miss. Without the bound (a payload from
 * an older API version) the item is synced from its watermark instead.
 */
export const handleTransactionsCreated: WebhookHandler = async ({ deps, event, commit }) => {
  const itemId = requireItemId(event);
  const { accountId, transactionsCreatedAtFrom: createdAtFrom } = event.payload;
  await commit(async (client) => {
    if (typeof accountId === 'string' && typeof createdAtFrom === 'string' && createdAtFrom) {
      await enqueue(
        deps.boss,
        QUEUES.transactionsCreated,
        { itemId, accountId, createdAtFrom },
        { db: client },
      );
    } else {
      await enqueue(deps.boss, QUEUES.itemSync, { itemId, reason: 'webhook' }, { db: client });
    }
  });
};
