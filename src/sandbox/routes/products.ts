/**
 * The other data products (docs/pluggy.md#identity, #investments, #loans, #credit-card-bills, #categories,
 * #open-finance-and-consents): identity, investments (+ their transactions), loans, credit-card bills,
 * categories, consents. Once an item's consent is revoked its lists answer empty and its single objects 404
 * (docs/pluggy.md#open-finance-and-consents: "empty results, not errors").
 */
import type { SandboxContext } from '../context.ts';
import { DAY_MS } from '../clock.ts';
import { invalid, notFound } from '../errors.ts';
import type { Router } from '../server.ts';
import { findItem, paginate, requireUuid } from './common.ts';

const INVESTMENT_TYPES = ['MUTUAL_FUND', 'SECURITY', 'EQUITY', 'COE', 'FIXED_INCOME', 'ETF', 'OTHER'];

export function productRoutes(router: Router, ctx: SandboxContext): void {
  const { store } = ctx;

  // Identity ------------------------------------------------------------------------------------
  router.add('GET', '/identity', 'api', ({ query }) => {
    const item = findItem(store, null, query.get('itemId'), 'itemId');
    const identity = store.dataVisible(item) ? item.world!.identity : null;
    // (unverified) 404 when the item has no identity (docs/pluggy.md#identity).
    if (!identity) throw notFound('IDENTITY_NOT_FOUND', 'identity not found');
    return identity;
  });
  router.add('GET', '/identity/:id', 'api', ({ params }) => {
    const ref = store.identities.get(requireUuid('id', params.id));
    if (!ref || !store.dataVisible(ref.item)) throw notFound('IDENTITY_NOT_FOUND', 'identity not found');
    return ref.identity;
  });

  // Investments ---------------------------------------------------------------------------------
  router.add('GET', '/investments', 'api', ({ query }) => {
    const item = findItem(store, null, query.get('itemId'), 'itemId');
    const type = query.get('type');
    if (type !== null && !INVESTMENT_TYPES.includes(type)) {
      throw invalid(`type must be one of the following values: ${INVESTMENT_TYPES.join(', ')}`);
    }
    const all = store.dataVisible(item)
      ? item.world!.investments.filter((i) => !type || i.type === type)
      : [];
    return paginate(all, query);
  });
  router.add('GET', '/investments/:id', 'api', ({ params }) => {
    const ref = store.investments.get(requireUuid('id', params.id));
    if (!ref || !store.dataVisible(ref.item)) throw notFound('INVESTMENT_NOT_FOUND', 'investment not found');
    return ref.inv;
  });
  router.add('GET', '/investments/:id/transactions', 'api', ({ params, query }) => {
    const ref = store.investments.get(requireUuid('id', params.id));
    if (!ref || !store.dataVisible(ref.item)) throw notFound('INVESTMENT_NOT_FOUND', 'investment not found');
    // pluggy-sdk also forwards a redundant investmentId and optional from/to (effect unverified:
    // applied here as inclusive bounds on `date`).
    const from = query.get('from');
    const to = query.get('to');
    const fromMs = from ? Date.parse(from.length === 10 ? `${from}T00:00:00.000Z` : from) : null;
    const toMs = to
      ? Date.parse(to.length === 10 ? `${to}T00:00:00.000Z` : to) + (to.length === 10 ? DAY_MS - 1 : 0)
      : null;
    if ((fromMs !== null && Number.isNaN(fromMs)) || (toMs !== null && Number.isNaN(toMs))) {
      throw invalid('from and to must be valid ISO 8601 date strings');
    }
    const all = (ref.item.world!.investmentTransactions.get(ref.inv.id) ?? []).filter((t) => {
      const d = Date.parse(t.date as string);
      return (fromMs === null || d >= fromMs) && (toMs === null || d <= toMs);
    });
    return paginate(all, query);
  });

  // Loans ---------------------------------------------------------------------------------------
  router.add('GET', '/loans', 'api', ({ query }) => {
    const item = findItem(store, null, query.get('itemId'), 'itemId');
    return paginate(store.dataVisible(item) ? item.world!.loans : [], query);
  });
  router.add('GET', '/loans/:id', 'api', ({ params }) => {
    const ref = store.loans.get(requireUuid('id', params.id));
    if (!ref || !store.dataVisible(ref.item)) throw notFound('LOAN_NOT_FOUND', 'loan not found');
    return ref.loan;
  });

  // Credit-card bills (closed bills only; a bank account has none) -------------------------------
  router.add('GET', '/bills', 'api', ({ query }) => {
    const accountId = requireUuid('accountId', query.get('accountId'));
    const ref = store.accounts.get(accountId);
    if (!ref) throw notFound('ACCOUNT_NOT_FOUND', 'account not found');
    return paginate(store.dataVisible(ref.item) ? ref.acct.bills : [], query);
  });
  router.add('GET', '/bills/:id', 'api', ({ params }) => {
    const ref = store.bills.get(requireUuid('id', params.id));
    if (!ref || !store.dataVisible(ref.item)) throw notFound('BILL_NOT_FOUND', 'bill not found');
    return ref.bill;
  });

  // Categories: the whole catalogue in one page unless the client pages ----------------------------
  router.add('GET', '/categories', 'api', ({ query }) => {
    const all = [...store.categories.values()];
    return paginate(all, query, all.length);
  });
  router.add('GET', '/categories/:id', 'api', ({ params }) => {
    const c = store.categories.get(params.id ?? '');
    if (!c) throw notFound('CATEGORY_NOT_FOUND', 'category not found');
    return c;
  });

  // Consents --------------------------------------------------------------------------------------
  router.add('GET', '/consents', 'api', ({ query }) => {
    const item = findItem(store, null, query.get('itemId'), 'itemId');
    return paginate(item.consent ? [item.consent] : [], query);
  });
  router.add('GET', '/consents/:id', 'api', ({ params }) => {
    const ref = store.consents.get(requireUuid('id', params.id));
    if (!ref) throw notFound('CONSENT_NOT_FOUND', 'Consent not found');
    return ref.consent;
  });
}
