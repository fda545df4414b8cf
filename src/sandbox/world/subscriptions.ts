/**
 * Recurring card charges (opt-in: size.subscriptions): streaming, gym, phone plan, an annual card
 * fee, a weekly box, one plan whose price goes up and one that stops. Fixed days and amounts, no
 * random draws, so turning them on leaves every other row of the world as it was.
 *
 * Their merchant carries the statement's short name (as card networks print it) and a CNPJ; the
 * clean brand name is what GET /merchants?cnpjs= answers for that CNPJ.
 */
import { addMonths, DAY_MS, dayStart } from '../clock.ts';
import { merchantCnpj, type MerchantDef } from './pools.ts';

export type SubscriptionDef = {
  /** Brand name, as GET /merchants answers it. */
  brand: string;
  /** What the card statement prints (the transaction's merchant name and description). */
  statement: string;
  businessName: string;
  categoryId: string;
  mcc: number;
  cnae: string;
  every: 'week' | 'month' | 'year';
  /** Day of month (monthly, yearly); weekly charges start on the first day of the history. */
  day: number;
  /** Cents. */
  amount: number;
  /** From this many months ago on (0 = this month) the price is `to`. */
  raise?: { monthsAgo: number; to: number };
  /** Last charged this many months ago. */
  stoppedMonthsAgo?: number;
};

// biome-ignore format: data table
export const SUBSCRIPTIONS: SubscriptionDef[] = [
  { brand: 'Disney+', statement: 'DL *DISNEYPLUS', businessName: 'DISNEY STREAMING SERVICES BRASIL LTDA', categoryId: '09020000', mcc: 4899, cnae: '5911-1/99', every: 'month', day: 5, amount: 4390 },
  { brand: 'Bluefit', statement: 'BLUEFIT ACADEMIA*MENS', businessName: 'BLUEFIT ACADEMIAS DE GINASTICA LTDA', categoryId: '07030001', mcc: 7997, cnae: '9313-1/00', every: 'month', day: 10, amount: 11990 },
  { brand: 'Claro', statement: 'CLARO*RECARGA PLANO', businessName: 'CLARO S.A.', categoryId: '07010002', mcc: 4814, cnae: '6120-5/01', every: 'month', day: 15, amount: 6499, raise: { monthsAgo: 3, to: 7499 } },
  { brand: 'Deezer', statement: 'DEEZER*PREMIUM', businessName: 'DEEZER BRASIL SERVICOS DE MUSICA LTDA', categoryId: '09030000', mcc: 4899, cnae: '5920-1/00', every: 'month', day: 25, amount: 2690, stoppedMonthsAgo: 4 },
  { brand: 'Anuidade Cartão', statement: 'ANUIDADE DIFERENCIADA', businessName: 'BANCO EMISSOR DO CARTAO S.A.', categoryId: '16030000', mcc: 6012, cnae: '6422-1/00', every: 'year', day: 20, amount: 48000 },
  { brand: 'Feira Orgânica', statement: 'FEIRAORG*CESTA SEMANAL', businessName: 'FEIRA ORGANICA DELIVERY LTDA', categoryId: '10000000', mcc: 5411, cnae: '4729-6/99', every: 'week', day: 0, amount: 8990 },
];

/** Merchant definition the card templates understand (its name is the statement's). */
export function subscriptionMerchant(s: SubscriptionDef): MerchantDef {
  return {
    name: s.statement,
    businessName: s.businessName,
    categoryId: s.categoryId,
    mcc: s.mcc,
    cnae: s.cnae,
    min: s.amount,
    max: s.amount,
  };
}

/** The clean name GET /merchants answers, by CNPJ (the CNPJ is derived from the statement name). */
export function subscriptionBrandsByCnpj(): Map<string, SubscriptionDef> {
  return new Map(SUBSCRIPTIONS.map((s) => [merchantCnpj(s.statement), s]));
}

export type PlannedCharge = { sub: SubscriptionDef; date: number; amount: number };

/** Every charge of every subscription in [from, now], oldest first. */
export function planSubscriptionCharges(from: number, now: number): PlannedCharge[] {
  const today = dayStart(now);
  const out: PlannedCharge[] = [];
  const within = (d: number) => d >= from && d <= today;
  for (const sub of SUBSCRIPTIONS) {
    if (sub.every === 'week') {
      for (let d = dayStart(from) + DAY_MS; d <= today; d += 7 * DAY_MS)
        out.push({ sub, date: d, amount: sub.amount });
      continue;
    }
    if (sub.every === 'year') {
      // Twice: a year apart, both inside a 13-month history.
      const last = addMonths(today, 0, sub.day) <= today ? 0 : -1;
      for (const k of [last - 12, last]) {
        const d = addMonths(today, k, sub.day);
        if (within(d)) out.push({ sub, date: d, amount: sub.amount });
      }
      continue;
    }
    for (let k = -24; k <= 0; k++) {
      if (sub.stoppedMonthsAgo !== undefined && -k < sub.stoppedMonthsAgo) continue;
      const d = addMonths(today, k, sub.day);
      if (!within(d)) continue;
      const amount = sub.raise && -k <= sub.raise.monthsAgo ? sub.raise.to : sub.amount;
      out.push({ sub, date: d, amount });
    }
  }
  return out.sort((a, b) => a.date - b.date);
}
