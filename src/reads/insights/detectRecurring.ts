/**
 * Finds recurring charges in a person's history: the same merchant charging a similar amount every
 * week, month or year. Pure (rows in, series out) so it is tested on built histories.
 *
 * Pluggy's recurring-payments product (docs/pluggy.md#recurring-payments) only finds about-monthly
 * charges seen three times. Here: weekly (4+ charges), monthly (3+), yearly (2 charges suffice: an
 * annual fee is seen twice in a 13-month history), price changes kept as events, and series whose
 * next charge is overdue reported as stopped instead of dropped.
 */
import { absDiff, permille, toUnits, unitsToCents } from './units.ts';

export type Charge = {
  id: string;
  /** YYYY-MM-DD (local day). */
  day: string;
  /** Positive decimal string. */
  amount: string;
  /** Grouping key: the CNPJ when there is one, else the folded description. */
  key: string;
  name: string;
  categoryId: string | null;
};

export type Cadence = 'weekly' | 'monthly' | 'yearly';

export type PriceChange = { day: string; from: string; to: string };

export type RecurringSeries = {
  key: string;
  name: string;
  categoryId: string | null;
  cadence: Cadence;
  /** The latest charge's amount. */
  amount: string;
  /** What it costs per month at the latest price (weekly × 52/12, yearly / 12). */
  monthlyAmount: string;
  firstDay: string;
  lastDay: string;
  nextExpectedDay: string;
  occurrences: number;
  status: 'active' | 'stopped';
  priceChanges: PriceChange[];
  chargeIds: string[];
};

type CadenceRule = {
  cadence: Cadence;
  /** Accepted gap between consecutive charges, days. */
  minGap: number;
  maxGap: number;
  minCount: number;
  /** Days past the expected date before the series counts as stopped. */
  grace: number;
};

const RULES: CadenceRule[] = [
  { cadence: 'yearly', minGap: 350, maxGap: 380, minCount: 2, grace: 31 },
  { cadence: 'monthly', minGap: 26, maxGap: 35, minCount: 3, grace: 10 },
  { cadence: 'weekly', minGap: 6, maxGap: 8, minCount: 4, grace: 4 },
];

/** Consecutive charges within 2 % are "the same price"; a bigger step is a price change. */
const SAME_PRICE_PERMILLE = 20n;
/** A step of more than a third is another purchase, not a price change. */
const MAX_STEP_PERMILLE = 333n;

const DAY_MS = 86_400_000;
const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const gapDays = (a: string, b: string) => Math.round((dayMs(b) - dayMs(a)) / DAY_MS);

function addMonthsDay(day: string, months: number): string {
  const d = new Date(dayMs(day));
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return dayOf(Date.UTC(y, m, Math.min(d.getUTCDate(), last)));
}

function nextDay(cadence: Cadence, last: string): string {
  if (cadence === 'weekly') return dayOf(dayMs(last) + 7 * DAY_MS);
  return addMonthsDay(last, cadence === 'monthly' ? 1 : 12);
}

const samePrice = (a: bigint, b: bigint) => permille(absDiff(a, b), b) <= SAME_PRICE_PERMILLE;

/** Lower case, accents and digits out: "NETFLIX.COM 0123" and "Netflix.com 0456" group together. */
export function foldDescription(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();
}

export function detectRecurring(charges: readonly Charge[], today: string): RecurringSeries[] {
  const groups = new Map<string, Charge[]>();
  for (const c of charges) {
    const g = groups.get(c.key);
    if (g) g.push(c);
    else groups.set(c.key, [c]);
  }
  const out: RecurringSeries[] = [];
  for (const rows of groups.values()) {
    rows.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.id < b.id ? -1 : 1));
    const used = new Set<string>();
    // Parsed once per merchant: one bought from daily has thousands of rows.
    const parsed = {
      days: rows.map((r) => Math.round(dayMs(r.day) / DAY_MS)),
      units: rows.map((r) => toUnits(r.amount)),
    };
    for (const rule of RULES) {
      for (const series of chainsFor(rows, parsed, rule, used, today)) {
        for (const id of series.chainIds) used.add(id);
        out.push(series.series);
      }
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function chainsFor(
  rows: Charge[],
  { days, units }: { days: number[]; units: bigint[] },
  rule: CadenceRule,
  used: Set<string>,
  today: string,
): Array<{ series: RecurringSeries; chainIds: string[] }> {
  const found: Array<{ series: RecurringSeries; chainIds: string[] }> = [];
  const taken = new Set<string>(used);
  for (let i = 0; i < rows.length; i++) {
    if (taken.has(rows[i]!.id)) continue;
    const chain = [i];
    let skipped = 0;
    for (;;) {
      const last = chain[chain.length - 1]!;
      let best = -1;
      let bestDiff = 0n;
      // First row at least minGap days later (binary search), then up to maxGap.
      let lo = last + 1;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (days[mid]! - days[last]! < rule.minGap) lo = mid + 1;
        else hi = mid;
      }
      // The coverage rule of validate(), applied while growing: at most this many other purchases of
      // the same merchant may lie before the next charge (a chain among many purchases stops at once).
      const n = chain.length + 1;
      const maxBetween = Math.floor((n * 10) / 7) - n - skipped;
      const end = Math.min(rows.length, last + 2 + maxBetween);
      for (let j = lo; j < end && days[j]! - days[last]! <= rule.maxGap; j++) {
        if (taken.has(rows[j]!.id)) continue;
        const diff = absDiff(units[j]!, units[last]!);
        if (permille(diff, units[last]!) > MAX_STEP_PERMILLE) continue;
        if (best < 0 || diff < bestDiff) {
          best = j;
          bestDiff = diff;
        }
      }
      if (best < 0) break;
      skipped += best - last - 1;
      chain.push(best);
    }
    const charges = chain.map((k) => rows[k]!);
    const series = validate(charges, rows, rule, today);
    if (series) {
      for (const c of charges) taken.add(c.id);
      found.push({ series, chainIds: charges.map((c) => c.id) });
    }
  }
  return found;
}

function validate(
  chain: Charge[],
  group: Charge[],
  rule: CadenceRule,
  today: string,
): RecurringSeries | null {
  if (chain.length < rule.minCount) return null;
  const units = chain.map((c) => toUnits(c.amount));
  const changes: PriceChange[] = [];
  let longestRun = 1;
  let run = 1;
  for (let k = 1; k < chain.length; k++) {
    if (samePrice(units[k]!, units[k - 1]!)) {
      run++;
    } else {
      changes.push({ day: chain[k]!.day, from: unitsToCents(units[k - 1]!), to: unitsToCents(units[k]!) });
      run = 1;
    }
    longestRun = Math.max(longestRun, run);
  }
  // A subscription keeps its price: at most one change, and one price held for minCount charges
  // (two for yearly, which are then equal to within 1 %).
  if (changes.length > 1 || longestRun < rule.minCount) return null;
  if (rule.cadence === 'yearly' && permille(absDiff(units[0]!, units[1]!), units[0]!) > 10n) return null;
  // A merchant bought from often (a supermarket) is not a subscription because some of its
  // purchases line up: the chain must be most of that merchant's charges over its span.
  const first = chain[0]!.day;
  const last = chain[chain.length - 1]!.day;
  const inSpan = group.filter((c) => c.day >= first && c.day <= last).length;
  if (chain.length * 10 < inSpan * 7) return null;
  if (rule.cadence === 'yearly' && group.length - chain.length > 2) return null;

  const lastUnits = units[units.length - 1]!;
  const next = nextDay(rule.cadence, last);
  const overdue = gapDays(next, today) > rule.grace;
  const monthly =
    rule.cadence === 'weekly'
      ? (lastUnits * 52n) / 12n
      : rule.cadence === 'yearly'
        ? lastUnits / 12n
        : lastUnits;
  const head = chain[chain.length - 1]!;
  return {
    key: head.key,
    name: head.name,
    categoryId: head.categoryId,
    cadence: rule.cadence,
    amount: unitsToCents(lastUnits),
    monthlyAmount: unitsToCents(monthly),
    firstDay: first,
    lastDay: last,
    nextExpectedDay: next,
    occurrences: chain.length,
    status: overdue ? 'stopped' : 'active',
    priceChanges: changes,
    chargeIds: chain.map((c) => c.id),
  };
}

/** Sum of the active series' monthly amounts. */
export function monthlyTotal(series: readonly RecurringSeries[]): string {
  let sum = 0n;
  for (const s of series) if (s.status === 'active') sum += toUnits(s.monthlyAmount);
  return unitsToCents(sum);
}
