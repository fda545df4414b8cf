import { z } from 'zod';
import { personFreshness } from '../../db/queries/items.ts';
import type { Db } from '../../db/pool.ts';
import { AppError } from '../../domain/errors.ts';
import type { Lang } from '../../domain/categories.ts';
import { decimal, iso } from '../money.ts';

export const LangSchema = z
  .enum(['pt', 'en'])
  .default('pt')
  .describe('names in Portuguese (default) or English');
export type { Lang };

export const MonthSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM')
  .describe('YYYY-MM; default the current month in São Paulo');

export type Freshness = { asOf: string | null; nextSyncAt: string | null };

/** `asOf`: the oldest last successful sync among the person's live items; `nextSyncAt`: Pluggy's next auto-sync. */
export async function freshness(db: Db, userId: string): Promise<Freshness> {
  const f = await personFreshness(db, userId);
  return { asOf: iso(f.asOf), nextSyncAt: iso(f.nextSyncAt) };
}

/** Today's date in São Paulo (the person's calendar), YYYY-MM-DD. */
export function todayInSaoPaulo(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/Sao_Paulo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/** First and last day of a 'YYYY-MM' month. */
export function monthRange(month: string): { from: string; to: string } {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    throw new AppError('invalid', 'invalid-month', 'month must be YYYY-MM');
  }
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

/** 'YYYY-MM' shifted by whole months. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
}

/** 'YYYY-MM-DD' shifted by whole days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Exact sum of decimal strings (scaled BigInt, never a float). */
export function sumDecimals(values: readonly string[]): string {
  const SCALE = 4;
  let total = 0n;
  for (const v of values) {
    const neg = v.startsWith('-');
    const [int = '0', frac = ''] = (neg ? v.slice(1) : v).split('.');
    const units = BigInt(int + frac.padEnd(SCALE, '0').slice(0, SCALE));
    total += neg ? -units : units;
  }
  const neg = total < 0n;
  const digits = (neg ? -total : total).toString().padStart(SCALE + 1, '0');
  return decimal(`${neg ? '-' : ''}${digits.slice(0, -SCALE)}.${digits.slice(-SCALE)}`);
}

function units(v: string): bigint {
  const neg = v.startsWith('-');
  const [int = '0', frac = ''] = (neg ? v.slice(1) : v).split('.');
  const u = BigInt(int + frac.padEnd(4, '0').slice(0, 4));
  return neg ? -u : u;
}

/** Compares two decimal strings exactly: negative, zero or positive. */
export function compareDecimals(a: string, b: string): number {
  const d = units(a) - units(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** A card bill's state from what was paid against its total: one rule for every answer. */
export function billPaymentStatus(paidAmount: string, totalAmount: string): 'paid' | 'partial' | 'open' {
  if (compareDecimals(paidAmount, totalAmount) >= 0) return 'paid';
  return compareDecimals(paidAmount, '0') > 0 ? 'partial' : 'open';
}

/**
 * The calendar day of a stored date: Pluggy sends calendar dates as midnight UTC, taken as they are
 * (moving them to São Paulo time would put every 1st in the previous month); a date with a time of
 * day is read in São Paulo time (docs/pluggy.md#transaction-fields).
 */
export function localDay(isoTime: string): string {
  if (isoTime.endsWith('T00:00:00.000Z') || /^\d{4}-\d{2}-\d{2}$/.test(isoTime)) return isoTime.slice(0, 10);
  return todayInSaoPaulo(new Date(isoTime));
}
