/**
 * One item's world: holder, accounts with 12+ months of transactions, card bills, identity,
 * investments, loans. Deterministic: the same seed, item ordinal, connector and clock give the same
 * ids, amounts and descriptions. Each account draws from its own PRNG stream, so resizing one account
 * does not reshuffle the others.
 *
 * Built for volume (benchmarks ask for 200k rows): rows are compact (see rows.ts), templates are
 * shared and cached per world (templates.ts), and nothing is copied per row except card metadata.
 * The products live beside it: bank.ts, cards.ts, identity.ts, investments.ts, loans.ts; later
 * activity in activity.ts.
 */
import { addMonths, dayStart } from '../clock.ts';
import { Rng } from '../random.ts';
import type { JsonObject, ProductType } from '../types.ts';
import { type AccountKind, type GenerateParams, MAX_ROWS_PER_WORLD, type World } from './model.ts';
import { TemplateBook } from './templates.ts';
import type { RowSink } from './sink.ts';
import { generateBankRows, syncBankAccountBalance } from './bank.ts';
import { generateCardRows, refreshCardBalance } from './cards.ts';
import { makeHolder } from './holder.ts';
import { makeAccount } from './accounts.ts';
import { makeIdentity } from './identity.ts';
import { makeInvestments, makeInvestmentTransactions } from './investments.ts';
import { makeLoans } from './loans.ts';
import { planSubscriptionCharges } from './subscriptions.ts';

export function generateWorld(p: GenerateParams): World {
  const rng = Rng.derive(p.seed, 'world', p.ordinal);
  const business = p.connector.type === 'BUSINESS_BANK';
  const holder = makeHolder(rng, business, p.nowMs);
  const book = new TemplateBook(rng, holder);
  const has = (x: ProductType) => p.products.includes(x);
  const withTransactions = has('TRANSACTIONS');
  const size = p.size;

  const kinds: AccountKind[] = [];
  if (has('ACCOUNTS') && !p.skipBankAccounts) {
    const checking = size.bankAccounts > 0 ? Math.max(1, p.checkingAccounts ?? 1) : 0;
    for (let i = 0; i < Math.max(size.bankAccounts, checking); i++) {
      kinds.push(i < checking || i % 2 === 0 ? 'checking' : 'savings');
    }
  }
  if (has('CREDIT_CARDS')) for (let i = 0; i < size.cardAccounts; i++) kinds.push('card');

  let perAccount = Math.round(size.transactionsPerAccount * (p.volumeMultiplier ?? 1));
  if (kinds.length > 0) perAccount = Math.min(perAccount, Math.floor(MAX_ROWS_PER_WORLD / kinds.length));

  const from = addMonths(dayStart(p.nowMs), -size.historyMonths);
  const hasCard = kinds.includes('card');
  const accounts = kinds.map((kind, i) => {
    const acctRng = Rng.derive(p.seed, 'world', p.ordinal, 'account', i);
    const kindIndex = kinds.slice(0, i).filter((k) => k === kind).length;
    const acct = makeAccount(acctRng, p.itemId, holder, kind, kindIndex, p.nowMs);
    if (withTransactions && perAccount > 0) {
      const sink: RowSink = {
        acct,
        ids: Rng.derive(p.seed, 'world', p.ordinal, 'ids', i),
        createdAt: p.nowMs,
        providerIds: p.connector.isOpenFinance,
      };
      if (kind === 'card') {
        generateCardRows(
          acct,
          acctRng,
          sink,
          book,
          perAccount,
          from,
          p.nowMs,
          Rng.derive(p.seed, 'bills', p.ordinal, i),
          size.subscriptions && kindIndex === 0 ? planSubscriptionCharges(from, p.nowMs) : [],
        );
      } else {
        generateBankRows(acct, acctRng, sink, book, perAccount, from, p.nowMs, business, hasCard);
      }
    } else if (kind !== 'card') {
      acct.balance = acctRng.int(10000, 900000);
    }
    if (kind === 'card') {
      if (!withTransactions) refreshCardBalance(acct, p.nowMs);
    } else {
      syncBankAccountBalance(acct);
    }
    return acct;
  });

  const extraRng = Rng.derive(p.seed, 'world', p.ordinal, 'products');
  const investments = has('INVESTMENTS') ? makeInvestments(extraRng, p.itemId, holder, p.nowMs) : [];
  const investmentTransactions = new Map<string, JsonObject[]>();
  if (has('INVESTMENTS_TRANSACTIONS')) {
    for (const inv of investments)
      investmentTransactions.set(inv.id, makeInvestmentTransactions(extraRng, inv, p.nowMs));
  }
  return {
    holder,
    accounts,
    identity: has('IDENTITY') ? makeIdentity(extraRng, p.itemId, holder, p.nowMs) : null,
    investments,
    investmentTransactions,
    loans: has('LOANS') ? makeLoans(extraRng, p.itemId, p.nowMs, business) : [],
    live: Rng.derive(p.seed, 'live', p.ordinal),
    activityUntil: p.nowMs,
    templates: book,
    openFinance: p.connector.isOpenFinance,
  };
}
