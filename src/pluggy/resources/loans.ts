import type { RequestSender } from '../http.ts';
import { collect, pagesOf } from '../pagination.ts';
import { LoanSchema, pageOf, type Loan } from '../schemas.ts';

const PAGE_SIZE = 500;

/** Contract part 02 §5. */
export function loansResource(http: RequestSender) {
  return {
    getLoans(itemId: string): Promise<Loan[]> {
      const path = '/loans';
      return collect(
        pagesOf({ method: 'GET', path }, (page) =>
          http.request(
            { method: 'GET', path, query: { itemId, page, pageSize: PAGE_SIZE } },
            pageOf(LoanSchema),
          ),
        ),
      );
    },
  };
}
