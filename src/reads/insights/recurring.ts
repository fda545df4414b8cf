import type { Db } from '../../db/pool.ts';
import { type Freshness, freshness } from '../answers/common.ts';
import { type ChargeRow, listChargesSince } from '../../db/queries/transactions.ts';
import {
  type Charge,
  detectRecurring,
  foldDescription,
  monthlyTotal,
  type RecurringSeries,
} from './detectRecurring.ts';
import { type MerchantLookup, merchantNames } from './merchantNames.ts';

export type InsightDeps = { pool: Db; pluggy?: MerchantLookup | undefined };

/** History read for recurring charges: 13 months shows a yearly charge twice. */
const HISTORY_DAYS = 400;

export type RecurringAnswer = Freshness & {
  today: string;
  /** What the active series cost per month, a decimal string. */
  monthlyTotal: string;
  active: RecurringSeries[];
  stopped: RecurringSeries[];
};

/** Today's date in São Paulo, YYYY-MM-DD. */
export function todayInSaoPaulo(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo' }).format(now);
}

export function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The person's charges since `fromDay`, keyed by merchant, with brand names where Pluggy knows the CNPJ. */
export async function chargesOf(deps: InsightDeps, userId: string, fromDay: string): Promise<Charge[]> {
  const rows = await listChargesSince(deps.pool, userId, fromDay);
  const cnpjOf = (r: ChargeRow) =>
    r.merchantCnpj && /^\d{14}$/.test(r.merchantCnpj) ? r.merchantCnpj : null;
  const names = await merchantNames(
    deps.pool,
    deps.pluggy,
    rows.map(cnpjOf).filter((c): c is string => c !== null),
  );
  return rows
    .filter((r) => r.day >= fromDay)
    .map((r) => {
      const cnpj = cnpjOf(r);
      const text = r.merchantName ?? r.description ?? '';
      return {
        id: r.id,
        day: r.day,
        amount: r.amount,
        // Per account: the same service on two cards is two subscriptions.
        key: `${r.accountId}:${cnpj ? `cnpj:${cnpj}` : `text:${foldDescription(text)}`}`,
        name: (cnpj && names.get(cnpj)) || text || '?',
        categoryId: r.categoryId,
      };
    });
}

export async function recurringCharges(
  deps: InsightDeps,
  userId: string,
  today = todayInSaoPaulo(),
): Promise<RecurringAnswer> {
  const charges = await chargesOf(deps, userId, shiftDay(today, -HISTORY_DAYS));
  const series = detectRecurring(charges, today);
  return {
    ...(await freshness(deps.pool, userId)),
    today,
    monthlyTotal: monthlyTotal(series),
    active: series.filter((s) => s.status === 'active'),
    stopped: series.filter((s) => s.status === 'stopped'),
  };
}
