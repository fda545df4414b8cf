import type { RequestSender } from '../http.ts';
import { listAll, MAX_PAGE_SIZE } from '../pagination.ts';
import { LoanSchema, type Loan } from '../schemas.ts';
import { checkedId } from './ids.ts';

/** See docs/pluggy.md#loans. */
export function loansResource(http: RequestSender) {
  return {
    async getLoans(itemId: string): Promise<Loan[]> {
      return listAll(
        http,
        { path: '/loans', query: { itemId: checkedId('itemId', itemId, 'GET', '/loans') } },
        LoanSchema,
        { pageSize: MAX_PAGE_SIZE },
      );
    },
  };
}
