import type { RequestSender } from '../http.ts';
import { collect, pagesOf } from '../pagination.ts';
import {
  InvestmentSchema,
  InvestmentTransactionSchema,
  pageOf,
  type Investment,
  type InvestmentTransaction,
} from '../schemas.ts';

/** Pluggy's maximum (part 02 §0); the SDK default of 20 would cost 25× the requests. */
const PAGE_SIZE = 500;

/** Contract part 02 §4. */
export function investmentsResource(http: RequestSender) {
  return {
    getInvestments(itemId: string): Promise<Investment[]> {
      const path = '/investments';
      return collect(
        pagesOf({ method: 'GET', path }, (page) =>
          http.request(
            { method: 'GET', path, query: { itemId, page, pageSize: PAGE_SIZE } },
            pageOf(InvestmentSchema),
          ),
        ),
      );
    },

    investmentTransactionPages(investmentId: string): AsyncGenerator<InvestmentTransaction[]> {
      const path = `/investments/${encodeURIComponent(investmentId)}/transactions`;
      return pagesOf({ method: 'GET', path }, (page) =>
        http.request(
          { method: 'GET', path, query: { page, pageSize: PAGE_SIZE } },
          pageOf(InvestmentTransactionSchema),
        ),
      );
    },
  };
}
