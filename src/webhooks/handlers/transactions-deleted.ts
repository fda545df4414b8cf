import { enqueue, QUEUES } from '../../sync/jobs.ts';
import type { WebhookHandler } from '../types.ts';
import { transactionIdsJob } from './transaction-ids.ts';

/**
 * `transactions/deleted`: rows Pluggy removed (pending ones that posted under a new id, card
 * restatements at bill close). Removal runs as a job so it serializes with the item's sync.
 */
export const handleTransactionsDeleted: WebhookHandler = async ({ deps, event, commit }) => {
  const job = transactionIdsJob(event);
  if (job.transactionIds.length === 0) return;
  await commit(async (client) => {
    await enqueue(deps.boss, QUEUES.transactionsDeleted, job, { db: client });
  });
};
