import type { RequestSender } from '../http.ts';
import { listAll, listPages, MAX_PAGE_SIZE } from '../pagination.ts';
import {
  InvestmentSchema,
  InvestmentTransactionSchema,
  type Investment,
  type InvestmentTransaction,
} from '../schemas.ts';
import { checkedId, idSegment } from './ids.ts';

/** See docs/pluggy.md#investments. */
export function investmentsResource(http: RequestSender) {
  return {
    async getInvestments(itemId: string): Promise<Investment[]> {
      return listAll(
        http,
        { path: '/investments', query: { itemId: checkedId('itemId', itemId, 'GET', '/investments') } },
        InvestmentSchema,
        {
          pageSize: MAX_PAGE_SIZE,
        },
      );
    },

    async *investmentTransactionPages(investmentId: string): AsyncGenerator<InvestmentTransaction[]> {
      const id = idSegment('investment id', investmentId, 'GET', '/investments/{id}/transactions');
      yield* listPages(http, { path: `/investments/${id}/transactions` }, InvestmentTransactionSchema, {
        pageSize: MAX_PAGE_SIZE,
      });
    },
  };
}
