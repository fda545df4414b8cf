/**
 * The investments product and its transactions.
 */
import { addMonths, DAY_MS, dayStart, iso } from '../clock.ts';
import type { Rng } from '../random.ts';
import type { JsonObject } from '../types.ts';
import { makeCnpj } from './pools.ts';
import { cents } from './rows.ts';
import type { Holder } from './model.ts';

export function makeInvestments(rng: Rng, itemId: string, h: Holder, nowMs: number): JsonObject[] {
  const today = dayStart(nowMs);
  const defs = [
    {
      type: 'FIXED_INCOME',
      subtype: 'CDB',
      name: 'CDB Pluggy 110% CDI',
      rateType: 'CDI',
      rate: 110,
      code: null,
    },
    {
      type: 'FIXED_INCOME',
      subtype: 'TREASURY',
      name: 'Tesouro Selic 2029',
      rateType: 'SELIC',
      rate: 100,
      code: null,
    },
    { type: 'FIXED_INCOME', subtype: 'LCI', name: 'LCI 92% CDI', rateType: 'CDI', rate: 92, code: null },
    {
      type: 'MUTUAL_FUND',
      subtype: 'MULTIMARKET_FUND',
      name: 'Fundo Multimercado Horizonte FIC FIM',
      rateType: null,
      rate: null,
      code: makeCnpj(rng),
    },
    { type: 'EQUITY', subtype: 'STOCK', name: 'PETROBRAS PN', rateType: null, rate: null, code: 'PETR4' },
    {
      type: 'EQUITY',
      subtype: 'REAL_ESTATE_FUND',
      name: 'CSHG Logística FII',
      rateType: null,
      rate: null,
      code: 'HGLG11',
    },
  ];
  const count = rng.int(3, defs.length);
  return defs.slice(0, count).map((d) => {
    const original = rng.int(10, 300) * 10000;
    const profit = Math.round(original * (rng.int(-5, 25) / 100));
    const amount = original + profit;
    const taxes = profit > 0 ? Math.round(profit * 0.15) : 0;
    const isEquity = d.type === 'EQUITY';
    const quantity = isEquity ? rng.int(10, 500) : d.type === 'MUTUAL_FUND' ? rng.int(1000, 50000) / 10 : 1;
    const purchase = today - rng.int(60, 900) * DAY_MS;
    return {
      id: rng.uuid(),
      itemId,
      type: d.type,
      subtype: d.subtype,
      name: d.name,
      code: d.code,
      isin: isEquity ? `BR${d.code}${rng.digits(3)}` : null,
      number: rng.digits(6),
      issuerCNPJ: d.type === 'FIXED_INCOME' && d.subtype !== 'TREASURY' ? makeCnpj(rng) : null,
      owner: h.name,
      currencyCode: 'BRL',
      date: iso(today),
      value: cents(Math.round(amount / quantity)),
      quantity,
      amount: cents(amount),
      balance: cents(amount - taxes),
      amountProfit: cents(profit),
      amountWithdrawal: cents(amount - taxes),
      amountOriginal: cents(original),
      taxes: cents(taxes),
      taxes2: 0,
      dueDate: d.type === 'FIXED_INCOME' ? iso(addMonths(today, rng.int(6, 48))) : null,
      issuer:
        d.type === 'FIXED_INCOME'
          ? d.subtype === 'TREASURY'
            ? 'Tesouro Nacional'
            : 'Banco Pluggy S.A.'
          : null,
      issueDate: iso(purchase),
      purchaseDate: iso(purchase),
      rate: d.rate,
      rateType: d.rateType,
      fixedAnnualRate: null,
      lastMonthRate: d.type === 'MUTUAL_FUND' ? rng.int(50, 150) / 100 : null,
      lastTwelveMonthsRate: d.type === 'MUTUAL_FUND' ? rng.int(600, 1600) / 100 : null,
      annualRate: d.type === 'MUTUAL_FUND' ? rng.int(600, 1600) / 100 : null,
      status: 'ACTIVE',
      metadata: null,
      institution: { name: 'Banco Pluggy S.A.', number: '00000000000191' },
      transactions: null,
    };
  });
}

export function makeInvestmentTransactions(rng: Rng, inv: JsonObject, nowMs: number): JsonObject[] {
  const n = rng.int(2, 8);
  const out: JsonObject[] = [];
  const start = Date.parse(inv.purchaseDate as string);
  for (let i = 0; i < n; i++) {
    const date = dayStart(start + ((nowMs - start) * i) / n);
    const buy = i === 0 || rng.chance(0.7);
    const quantity = Math.max(1, Math.round((inv.quantity as number) / n));
    const value = inv.value as number;
    const amount = Math.round(quantity * value * 100);
    const fee = inv.type === 'EQUITY' ? rng.int(0, 990) : 0;
    out.push({
      id: rng.uuid(),
      itemId: inv.itemId,
      investmentId: inv.id,
      type: buy ? 'BUY' : 'SELL',
      movementType: buy ? 'CREDIT' : 'DEBIT',
      description: `${buy ? 'Aplicação' : 'Resgate'} ${inv.name as string}`,
      brokerageNumber: inv.type === 'EQUITY' ? rng.digits(8) : null,
      quantity,
      value,
      amount: cents(amount),
      netAmount: cents(buy ? amount + fee : amount - fee),
      agreedRate: null,
      date: iso(date),
      tradeDate: iso(date),
      expenses:
        fee > 0
          ? {
              serviceTax: null,
              brokerageFee: cents(fee),
              incomeTax: null,
              other: null,
              tradingAssetsNoticeFee: null,
              maintenanceFee: null,
              settlementFee: null,
              clearingFee: null,
              stockExchangeFee: null,
              custodyFee: null,
              operatingFee: null,
            }
          : null,
    });
  }
  return out;
}
