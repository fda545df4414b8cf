/**
 * GET /accounts?itemId=&type= (one page with all of the item's accounts) and GET /accounts/{id}.
 */
import type { SandboxContext } from '../context.ts';
import { iso } from '../clock.ts';
import { badRequest, invalid, notFound } from '../errors.ts';
import type { Router } from '../server.ts';
import { findItem, paginate, requireUuid } from './common.ts';

export function accountRoutes(router: Router, ctx: SandboxContext): void {
  const { store } = ctx;

  // Reachable with a connect token for its own items (the widget's reduced view,
  // docs/pluggy.md#connect-tokens).
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

  const findAccount = (raw: string | undefined) => {
    const ref = store.accounts.get(requireUuid('id', raw));
    if (!ref || !store.dataVisible(ref.item)) throw notFound('ACCOUNT_NOT_FOUND', 'account not found');
    return ref;
  };

  router.add('GET', '/accounts/:id', 'api', ({ params }) => findAccount(params.id).acct.account);

  // Real-time balance exists for Open Finance accounts only (docs/pluggy.md#accounts-and-balances).
  router.add('GET', '/accounts/:id/balance', 'api', ({ params }) => {
    const { item, acct } = findAccount(params.id);
    if (!item.connector.isOpenFinance) {
      // (unverified) status and codeDescription for a non-Open-Finance account.
      throw badRequest(
        'REAL_TIME_BALANCE_NOT_SUPPORTED',
        'Real-time balance is only available for Open Finance accounts',
      );
    }
    return {
      balance: acct.account.balance,
      blockedBalance: 0,
      automaticallyInvestedBalance: acct.account.bankData?.automaticallyInvestedBalance ?? 0,
      currencyCode: acct.account.currencyCode,
      updateDateTime: iso(ctx.clock.nowMs()),
    };
  });

  // No connector of the catalogue collects ACCOUNT_STATEMENTS: always an empty page.
  router.add('GET', '/accounts/:id/statements', 'api', ({ params, query }) => {
    findAccount(params.id);
    return paginate([], query);
  });
}
