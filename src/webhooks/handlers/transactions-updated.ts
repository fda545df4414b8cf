import { enqueue, QUEUES } from '../../sync/jobs.ts';
import type { WebhookHandler } from '../types.ts';
import { transactionIdsJob } from './transaction-ids.ts';

/** `transactions/updated`: rows changed in place by Pluggy's merge; re-fetch them by id. */
export const handleTransactionsUpdated: WebhookHandler = async ({ deps, event, commit }) => {
  const job = transactionIdsJob(event);
  if (job.transactionIds.length === 0) return;
  await commit(async (client) => {
    await enqueue(deps.boss, QUEUES.transactionsUpdated, job, { db: client });
  });
};
