import type { RequestSender } from '../http.ts';
import { listAll } from '../pagination.ts';
import { AccountSchema, type Account } from '../schemas.ts';
import { checkedId, idSegment } from './ids.ts';

/** See docs/pluggy.md#accounts-and-balances. */
export function accountsResource(http: RequestSender) {
  return {
    async getAccounts(itemId: string, type?: 'BANK' | 'CREDIT'): Promise<Account[]> {
      // The SDK sends only itemId/type and an item's accounts come in one page; `page` is sent
      // only if Pluggy ever answers with more than one (no pageSize).
      return listAll(
        http,
        { path: '/accounts', query: { itemId: checkedId('itemId', itemId, 'GET', '/accounts'), type } },
        AccountSchema,
      );
    },

    async getAccount(id: string): Promise<Account> {
      return http.request(
        { method: 'GET', path: `/accounts/${idSegment('account id', id, 'GET', '/accounts/{id}')}` },
        AccountSchema,
      );
    },
  };
}
