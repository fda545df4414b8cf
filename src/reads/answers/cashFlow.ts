import type { Db } from '../../db/pool.ts';
import { flowByMonth } from '../../db/queries/transactions.ts';
import { decimal } from '../money.ts';
import {
  addMonths,
  type Freshness,
  freshness,
  type Lang,
  monthRange,
  sumDecimals,
  todayInSaoPaulo,
} from './common.ts';

export type CashFlowMonth = {
  month: string;
  income: string;
  spending: string;
  net: string;
  transfersIn: string;
  transfersOut: string;
  pendingCount: number;
};

export type CashFlow = Freshness & {
  months: CashFlowMonth[];
  /** Sums over the months, equal to the sum of the months to the cent. */
  totals: { income: string; spending: string; net: string };
  currencyCode: string;
  lang: Lang;
};

/**
 * Income, spending and net per month for the last `months` months up to `until` (default the
 * current month in São Paulo), oldest first, every month present (zeros where nothing moved).
 * Own transfers and card bill payments are in neither income nor spending (see spending.ts).
 */
export async function cashFlow(
  db: Db,
  userId: string,
  opts: { months: number; lang: Lang; until?: string | undefined },
): Promise<CashFlow> {
  const count = Math.max(1, Math.min(120, Math.trunc(opts.months)));
  const last = opts.until ?? todayInSaoPaulo().slice(0, 7);
  const first = addMonths(last, -(count - 1));
  const [rows, fresh] = await Promise.all([
    flowByMonth(db, userId, monthRange(first).from, monthRange(last).to),
    freshness(db, userId),
  ]);
  const byMonth = new Map(rows.map((r) => [r.month, r]));
  const months: CashFlowMonth[] = [];
  for (let i = 0; i < count; i++) {
    const month = addMonths(first, i);
    const r = byMonth.get(month);
    months.push({
      month,
      income: decimal(r?.income ?? '0'),
      spending: decimal(r?.spending ?? '0'),
      net: decimal(r?.net ?? '0'),
      transfersIn: decimal(r?.transfersIn ?? '0'),
      transfersOut: decimal(r?.transfersOut ?? '0'),
      pendingCount: r?.pendingCount ?? 0,
    });
  }
  return {
    months,
    totals: {
      income: sumDecimals(months.map((m) => m.income)),
      spending: sumDecimals(months.map((m) => m.spending)),
      net: sumDecimals(months.map((m) => m.net)),
    },
    currencyCode: 'BRL',
    lang: opts.lang,
    ...fresh,
  };
}
