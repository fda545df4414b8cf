import { z } from 'zod';
import type { TransactionIdsJob } from '../../sync/jobs.ts';
import { type StoredWebhookEvent, UnprocessableWebhookEvent } from '../types.ts';
import { requireItemId } from './item-lookup.ts';

const Ids = z.array(z.string().min(1));

/**
 * The job of a `transactions/updated` or `/deleted` event (docs/pluggy.md#transaction-events): which rows, by
 * id.
 */
export function transactionIdsJob(event: StoredWebhookEvent): TransactionIdsJob {
  const itemId = requireItemId(event);
  const ids = Ids.safeParse(event.payload.transactionIds);
  if (!ids.success) {
    throw new UnprocessableWebhookEvent(`${event.event} event ${event.eventId} has no transactionIds list`);
  }
  const { accountId } = event.payload;
  return {
    itemId,
    ...(typeof accountId === 'string' && accountId ? { accountId } : {}),
    transactionIds: [...new Set(ids.data)],
  };
}
