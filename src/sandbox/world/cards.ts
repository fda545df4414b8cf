/**
 * Credit cards: purchases, installments, refunds, foreign purchases, bill cycles and the card balance.
 */
import { addMonths, DAY_MS, dayStart, iso, yearMonth } from '../clock.ts';
import type { Rng } from '../random.ts';
import type { Bill } from '../types.ts';
import { MERCHANTS } from './pools.ts';
import { cents, compareRows, type TxRow } from './rows.ts';
import type { AccountState } from './model.ts';
import type { TemplateBook } from './templates.ts';
import { pushRow, randomDay, type RowSink } from './sink.ts';
import { type PlannedCharge, subscriptionMerchant } from './subscriptions.ts';

/** Closing date (midnight UTC) of the card cycle containing `date`. */
export function closingFor(date: number, closingDay: number): number {
  const thisMonth = addMonths(date, 0, closingDay);
  return dayStart(date) <= thisMonth ? thisMonth : addMonths(date, 1, closingDay);
}
const dueFor = (closing: number) => closing + 7 * DAY_MS;

export function cardMeta(
  acct: AccountState,
  date: number,
  purchaseDate: number,
  mcc: number | null,
  billId: string | undefined,
  installment?: { n: number; of: number; total: number },
): NonNullable<TxRow['cc']> {
  const card = acct.card!;
  const closing = closingFor(date, card.closingDay);
  return {
    ...(installment
      ? {
          installmentNumber: installment.n,
          totalInstallments: installment.of,
          totalAmount: cents(installment.total),
        }
      : {}),
    purchaseDate: iso(purchaseDate),
    ...(mcc !== null ? { payeeMCC: mcc } : {}),
    cardNumber: card.last4,
    ...(billId ? { billId } : {}),
    billForecastDate: yearMonth(dueFor(closing)),
  };
}

export function generateCardRows(
  acct: AccountState,
  rng: Rng,
  sink: RowSink,
  book: TemplateBook,
  count: number,
  from: number,
  now: number,
  billIds: Rng,
  subscriptions: PlannedCharge[] = [],
): void {
  const card = acct.card!;
  const today = dayStart(now);
  const rows: TxRow[] = [];
  // Closed cycles inside the history window get a bill and (once due) a payment row.
  const closings: number[] = [];
  for (let c = closingFor(from, card.closingDay); c < today; c = addMonths(c, 1, card.closingDay))
    closings.push(c);
  const paymentsDue = closings.filter((c) => dueFor(c) <= today).length;
  const purchases = Math.max(0, count - Math.min(paymentsDue, Math.floor(count / 4)));
  // Subscriptions come on top of the drawn rows, so the drawn rows stay exactly as without them.
  const rowCount = count + subscriptions.length;

  const billByClosing = new Map<number, string>();
  for (const c of closings) billByClosing.set(c, billIds.uuid());
  const billIdFor = (date: number) => billByClosing.get(closingFor(date, card.closingDay));

  while (rows.length < purchases) {
    const m = rng.pick(MERCHANTS);
    const date = randomDay(rng, from, now);
    const roll = rng.next();
    if (roll < 0.12 && m.installments) {
      // An installment purchase: one row per month from the purchase on, re-dated to each cycle.
      const of = rng.pick([2, 3, 4, 5, 6, 8, 10, 12]);
      const total = rng.int(m.min, m.max) * 2;
      const each = Math.floor(total / of);
      const t = book.cardPurchase(m, false);
      for (let n = 1; n <= of && rows.length < purchases; n++) {
        const d = addMonths(date, n - 1);
        if (d > now) break;
        const amount = n === of ? total - each * (of - 1) : each;
        const closed = closingFor(d, card.closingDay) < today;
        pushRow(
          sink,
          rows,
          d,
          amount,
          t,
          closed ? 'POSTED' : 'PENDING',
          cardMeta(acct, d, date, m.mcc, closed ? billIdFor(d) : undefined, { n, of, total }),
        );
      }
    } else if (roll < 0.15) {
      const amount = rng.int(m.min, m.max);
      const closed = closingFor(date, card.closingDay) < today;
      pushRow(
        sink,
        rows,
        date,
        -amount,
        book.cardRefund(m),
        closed ? 'POSTED' : 'PENDING',
        cardMeta(acct, date, date, m.mcc, closed ? billIdFor(date) : undefined),
      );
    } else {
      const foreign = Boolean(m.foreign) && rng.chance(0.5);
      const amount = rng.int(m.min, m.max);
      const closed = closingFor(date, card.closingDay) < today;
      const meta = cardMeta(acct, date, date, m.mcc, closed ? billIdFor(date) : undefined);
      if (foreign) {
        // Charged in USD; amountInAccountCurrency is the BRL value (rate ~5.4).
        const usd = Math.max(100, Math.round(amount / 5.4));
        pushRow(
          sink,
          rows,
          date,
          usd,
          book.cardPurchase(m, true),
          closed ? 'POSTED' : 'PENDING',
          meta,
          Math.round(usd * 5.4),
        );
        if (rows.length < purchases) {
          pushRow(
            sink,
            rows,
            date,
            Math.round(usd * 5.4 * 0.0438),
            book.simple('iof', 'IOF compra internacional', 'IOF TRANSACOES EXTERIOR', 'DEBIT', '15030000'),
            closed ? 'POSTED' : 'PENDING',
            cardMeta(acct, date, date, null, closed ? billIdFor(date) : undefined),
          );
        }
      } else {
        pushRow(sink, rows, date, amount, book.cardPurchase(m, false), closed ? 'POSTED' : 'PENDING', meta);
      }
    }
  }

  for (const { sub, date, amount } of subscriptions) {
    const closed = closingFor(date, card.closingDay) < today;
    const m = subscriptionMerchant(sub);
    pushRow(
      sink,
      rows,
      date,
      amount,
      book.cardPurchase(m, false),
      closed ? 'POSTED' : 'PENDING',
      cardMeta(acct, date, date, m.mcc, closed ? billIdFor(date) : undefined),
    );
  }

  // Bills: the sum of each closed cycle's rows in BRL (purchases minus refunds; payments excluded).
  const totals = new Map<number, number>();
  const iof = new Map<number, number>();
  for (const r of rows) {
    const c = closingFor(r.date, card.closingDay);
    const brl = r.fx ?? r.amount;
    totals.set(c, (totals.get(c) ?? 0) + brl);
    if (r.t.kind === 'iof') iof.set(c, (iof.get(c) ?? 0) + brl);
  }
  const bills: Bill[] = [];
  const paymentTemplate = book.simple(
    'card-payment',
    'Pagamento recebido',
    'PAGAMENTO RECEBIDO',
    'CREDIT',
    '05100000',
    'PAGAMENTO_FATURA',
  );
  for (const c of closings) {
    const total = Math.max(0, totals.get(c) ?? 0);
    const due = dueFor(c);
    const id = billByClosing.get(c)!;
    const paid = due <= today && total > 0 && rows.length < rowCount;
    const paymentId = billIds.uuid();
    if (paid) {
      // The payment lands in the next cycle, so it does not change this bill's total.
      pushRow(
        sink,
        rows,
        due,
        -total,
        paymentTemplate,
        'POSTED',
        cardMeta(acct, due, due, null, billIdFor(due)),
      );
    }
    const iofTotal = iof.get(c) ?? 0;
    bills.push({
      id,
      dueDate: iso(due),
      billClosingDate: iso(c),
      totalAmount: cents(total),
      totalAmountCurrencyCode: 'BRL',
      minimumPaymentAmount: cents(Math.round(total * 0.15)),
      allowsInstallments: true,
      financeCharges:
        iofTotal > 0
          ? [
              {
                id: billIds.uuid(),
                type: 'IOF',
                amount: cents(iofTotal),
                currencyCode: 'BRL',
                additionalInfo: null,
              },
            ]
          : [],
      payments: paid
        ? [
            {
              id: paymentId,
              valueType: 'FULL_PAYMENT',
              paymentDate: iso(due),
              paymentMode: 'DEBIT_ACCOUNT',
              amount: cents(total),
              currencyCode: 'BRL',
            },
          ]
        : [],
      createdAt: iso(sink.createdAt),
      updatedAt: iso(sink.createdAt),
    });
  }
  // A cycle without purchases has no payment: top up with open-cycle purchases (they touch no bill).
  const openFrom = addMonths(closingFor(today, card.closingDay), -1, card.closingDay) + DAY_MS;
  while (rows.length < rowCount) {
    const m = rng.pick(MERCHANTS);
    const date = randomDay(rng, Math.max(openFrom, from), now);
    pushRow(
      sink,
      rows,
      date,
      rng.int(m.min, m.max),
      book.cardPurchase(m, false),
      'PENDING',
      cardMeta(acct, date, date, m.mcc, undefined),
    );
  }
  rows.sort(compareRows);
  acct.rows = rows;
  acct.bills = bills;
  refreshCardBalance(acct, now);
}

/** Card balance = open cycle + the last closed bill while it is not yet due. */
export function refreshCardBalance(acct: AccountState, now: number): void {
  const card = acct.card!;
  const today = dayStart(now);
  // A cycle is closed once its closing day is over, so the cycle closing today is still open.
  const openClosing = closingFor(today, card.closingDay);
  const prevClosing = addMonths(openClosing, -1, card.closingDay);
  let owed = 0;
  for (let i = acct.rows.length - 1; i >= 0; i--) {
    const r = acct.rows[i]!;
    if (r.date <= prevClosing) break;
    if (r.t.kind !== 'card-payment') owed += r.fx ?? r.amount;
  }
  const lastBill = acct.bills[acct.bills.length - 1];
  if (lastBill && Date.parse(lastBill.dueDate) > today) owed += Math.round(lastBill.totalAmount * 100);
  owed = Math.max(0, owed);
  acct.balance = owed;
  const nextClosing = closingFor(today, card.closingDay);
  const cd = acct.account.creditData!;
  acct.account.balance = cents(owed);
  cd.balanceCloseDate = iso(nextClosing);
  cd.balanceDueDate = iso(dueFor(nextClosing));
  cd.availableCreditLimit = cents(Math.max(0, card.limit - owed));
  cd.minimumPayment = cents(Math.round(owed * 0.15));
}
