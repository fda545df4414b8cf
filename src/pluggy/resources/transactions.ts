import type { RequestSender } from '../http.ts';
import { cursorPagesOf } from '../pagination.ts';
import { cursorOf, TransactionSchema, type Transaction } from '../schemas.ts';
import { checkedId, idSegment } from './ids.ts';

export type TransactionFilter = {
  createdAtFrom?: string;
  dateFrom?: string;
  dateTo?: string;
  ids?: string[];
};

/** `ids` accepts at most 500 per request (docs/pluggy.md#listing-transactions). */
const IDS_PER_REQUEST = 500;

export type TransactionPagesOptions = {
  /**
   * Called once, with the time Pluggy answered the listing's first page by its own clock (the
   * answer's `Date` header), if it sent one: every row created before that instant, less a margin
   * for rows stamped before they became visible, is in this listing
   * (docs/pluggy.md#watermark-by-pluggys-clock).
   */
  onListingStart?: (pluggyTime: Date) => void;
};

/** See docs/pluggy.md#transactions. */
export function transactionsResource(http: RequestSender) {
  /** GET /v2/transactions, one array per cursor page; stops on a cursor that does not advance. */
  const transactionPages = async function* (
    accountId: string,
    filter: TransactionFilter = {},
    options: TransactionPagesOptions = {},
  ): AsyncGenerator<Transaction[]> {
    const path = '/v2/transactions';
    // /v2/transactions rejects unknown parameters with 400 (docs/pluggy.md#lists-and-pagination): send only
    // these, and never page/pageSize. Ids are checked when the first page is asked for, before any request.
    const query = {
      accountId: checkedId('accountId', accountId, 'GET', path),
      createdAtFrom: filter.createdAtFrom,
      dateFrom: filter.dateFrom,
      dateTo: filter.dateTo,
      ids: filter.ids?.map((id) => checkedId('transaction id', id, 'GET', path)),
    };
    const { onListingStart } = options;
    yield* cursorPagesOf({ method: 'GET', path }, (after) =>
      http.request(
        {
          method: 'GET',
          path,
          query: { ...query, after },
          ...(after === undefined && onListingStart ? { onServerDate: onListingStart } : {}),
        },
        cursorOf(TransactionSchema),
      ),
    );
  };

  return {
    transactionPages,

    async getTransaction(id: string): Promise<Transaction> {
      return http.request(
        {
          method: 'GET',
          path: `/transactions/${idSegment('transaction id', id, 'GET', '/transactions/{id}')}`,
        },
        TransactionSchema,
      );
    },

    async getTransactionsByIds(accountId: string, ids: string[]): Promise<Transaction[]> {
      const found: Transaction[] = [];
      for (let i = 0; i < ids.length; i += IDS_PER_REQUEST) {
        const chunk = ids.slice(i, i + IDS_PER_REQUEST);
        for await (const page of transactionPages(accountId, { ids: chunk })) found.push(...page);
      }
      return found;
    },
  };
}
