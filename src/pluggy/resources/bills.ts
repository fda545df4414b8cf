import type { RequestSender } from '../http.ts';
import { listAll, MAX_PAGE_SIZE } from '../pagination.ts';
import { BillSchema, type Bill } from '../schemas.ts';
import { checkedId } from './ids.ts';

/** See docs/pluggy.md#credit-card-bills: only closed bills of a card account. */
export function billsResource(http: RequestSender) {
  return {
    async getBills(accountId: string): Promise<Bill[]> {
      return listAll(
        http,
        { path: '/bills', query: { accountId: checkedId('accountId', accountId, 'GET', '/bills') } },
        BillSchema,
        { pageSize: MAX_PAGE_SIZE },
      );
    },
  };
}
