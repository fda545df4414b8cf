/**
 * Activity after the first sync: new rows on an existing world.
 */
import { dayStart, iso } from '../clock.ts';
import { MERCHANTS } from './pools.ts';
import { cents, type TxRow } from './rows.ts';
import type { AccountState, World } from './model.ts';
import { pushRow, type RowSink } from './sink.ts';
import { bankMovement } from './bank.ts';
import { cardMeta, closingFor } from './cards.ts';

/**
 * New rows arriving after the first sync (daily activity, admin.addTransactions). They are stored with
 * `createdAt = createdAt` and inserted in cursor order; bank balances move with them.
 */
export function newRows(
  world: World,
  acct: AccountState,
  dates: number[],
  createdAt: number,
  nowMs: number,
): TxRow[] {
  const rng = world.live;
  const sink: RowSink = { acct, ids: rng, createdAt, providerIds: world.openFinance };
  const out: TxRow[] = [];
  const today = dayStart(nowMs);
  for (const date of dates) {
    if (acct.kind === 'card') {
      const card = acct.card!;
      const m = rng.pick(MERCHANTS);
      const closing = closingFor(date, card.closingDay);
      const closed = closing < today;
      const bill = closed ? acct.bills.find((b) => b.billClosingDate === iso(closing)) : undefined;
      const amount = rng.int(m.min, m.max);
      pushRow(
        sink,
        out,
        date,
        amount,
        world.templates.cardPurchase(m, false),
        closed ? 'POSTED' : 'PENDING',
        cardMeta(acct, date, date, m.mcc, bill?.id),
      );
      if (bill) bill.totalAmount = cents(Math.round(bill.totalAmount * 100) + amount);
    } else {
      const { t, amount } = bankMovement(rng, world.templates, acct.kind, world.holder.business);
      // A movement dated today is usually still pending; backdated arrivals come in posted.
      const status = date >= today && rng.chance(0.6) ? 'PENDING' : 'POSTED';
      const r = pushRow(sink, out, date, amount, t, status);
      acct.balance += amount;
      r.balance = acct.balance;
    }
  }
  return out;
}
