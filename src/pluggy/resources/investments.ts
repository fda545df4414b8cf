import type { RequestSender } from '../http.ts';
import { listAll, listPages, MAX_PAGE_SIZE } from '../pagination.ts';
import {
  InvestmentSchema,
  InvestmentTransactionSchema,
  type Investment,
  type InvestmentTransaction,
} from '../schemas.ts';

/** Contract part 02 §4. */
export function investmentsResource(http: RequestSender) {
  return {
    getInvestments(itemId: string): Promise<Investment[]> {
      return listAll(http, { path: '/investments', query: { itemId } }, InvestmentSchema, {
        pageSize: MAX_PAGE_SIZE,
      });
    },

    investmentTransactionPages(investmentId: string): AsyncGenerator<InvestmentTransaction[]> {
      const path = `/investments/${encodeURIComponent(investmentId)}/transactions`;
      return listPages(http, { path }, InvestmentTransactionSchema, { pageSize: MAX_PAGE_SIZE });
    },
  };
}
