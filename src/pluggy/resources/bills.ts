import type { RequestSender } from '../http.ts';
import { collect, pagesOf } from '../pagination.ts';
import { BillSchema, pageOf, type Bill } from '../schemas.ts';

const PAGE_SIZE = 500;

/** Contract part 02 §6: only closed bills of a card account. */
export function billsResource(http: RequestSender) {
  return {
    getBills(accountId: string): Promise<Bill[]> {
      const path = '/bills';
      return collect(
        pagesOf({ method: 'GET', path }, (page) =>
          http.request(
            { method: 'GET', path, query: { accountId, page, pageSize: PAGE_SIZE } },
            pageOf(BillSchema),
          ),
        ),
      );
    },
  };
}
