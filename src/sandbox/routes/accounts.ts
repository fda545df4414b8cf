/**
 * GET /accounts?itemId=&type= (one page with all of the item's accounts) and GET /accounts/{id}.
 */
import type { SandboxContext } from '../context.ts';
import { invalid, notFound } from '../errors.ts';
import type { Router } from '../server.ts';
import { findItem, paginate, requireUuid } from './common.ts';

export function accountRoutes(router: Router, ctx: SandboxContext): void {
  const { store } = ctx;

  // Reachable with a connect token for its own items (the widget's reduced view, part 01 §2).
  router.add('GET', '/accounts', 'connect', ({ query, auth }) => {
    const item = findItem(store, auth, query.get('itemId'), 'itemId');
    const type = query.get('type');
    if (type !== null && type !== 'BANK' && type !== 'CREDIT') {
      throw invalid('type must be one of the following values: BANK, CREDIT');
    }
    const accounts = store.dataVisible(item)
      ? item.world!.accounts.map((a) => a.account).filter((a) => !type || a.type === type)
      : [];
    return paginate(accounts, query, 500);
  });

  router.add('GET', '/accounts/:id', 'api', ({ params }) => {
    const id = requireUuid('id', params.id);
    const ref = store.accounts.get(id);
    if (!ref || !store.dataVisible(ref.item)) throw notFound('ACCOUNT_NOT_FOUND', 'account not found');
    return ref.acct.account;
  });
}
