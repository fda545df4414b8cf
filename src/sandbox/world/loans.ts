/**
 * The loans product.
 */
import { addMonths, DAY_MS, dayStart, iso } from '../clock.ts';
import type { Rng } from '../random.ts';
import type { JsonObject } from '../types.ts';
import { cents } from './rows.ts';

export function makeLoans(rng: Rng, itemId: string, nowMs: number, business = false): JsonObject[] {
  const today = dayStart(nowMs);
  const total = rng.pick([24, 36, 48, 60]);
  const paid = rng.int(1, total - 1);
  const contractDate = addMonths(today, -paid - 1);
  const amount = rng.int(5, 80) * 100000;
  const outstanding = Math.round(amount * (1 - paid / total) * 1.1);
  return [
    {
      id: rng.uuid(),
      itemId,
      contractNumber: `PX-${new Date(contractDate).getUTCFullYear()}-${rng.digits(4)}`,
      ipocCode: null,
      productName: business ? 'Capital de Giro' : 'Empréstimo Pessoal',
      type: business ? 'CAPITAL_GIRO_PRAZO_VENCIMENTO_ATE_365_DIAS' : 'CREDITO_PESSOAL_SEM_CONSIGNACAO',
      kind: 'LOAN',
      date: iso(today),
      contractDate: iso(contractDate),
      disbursementDates: [iso(contractDate + 2 * DAY_MS)],
      settlementDate: null,
      contractAmount: cents(amount),
      currencyCode: 'BRL',
      dueDate: iso(addMonths(contractDate, total)),
      installmentPeriodicity: 'MONTHLY',
      installmentPeriodicityAdditionalInfo: null,
      firstInstallmentDueDate: iso(addMonths(contractDate, 1)),
      CET: rng.int(2000, 6000) / 10000,
      amortizationScheduled: 'PRICE',
      amortizationScheduledAdditionalInfo: null,
      cnpjConsignee: null,
      interestRates: [
        {
          taxType: 'EFFECTIVE',
          interestRateType: 'COMPOUND',
          taxPeriodicity: 'YEARLY',
          calculation: '21/252',
          referentialRateIndexerType: 'PRE_FIXADO',
          referentialRateIndexerSubType: null,
          referentialRateIndexerAdditionalInfo: null,
          preFixedRate: rng.int(1500, 4500) / 10000,
          postFixedRate: null,
          additionalInfo: null,
        },
      ],
      contractedFees: [],
      contractedFinanceCharges: [],
      warranties: [],
      installments: {
        typeNumberOfInstallments: 'MONTH',
        totalNumberOfInstallments: total,
        typeContractRemaining: 'MONTH',
        contractRemainingNumber: total - paid,
        paidInstallments: paid,
        dueInstallments: total - paid,
        pastDueInstallments: 0,
        balloonPayments: null,
      },
      payments: { contractOutstandingBalance: cents(outstanding), releases: [] },
    },
  ];
}
