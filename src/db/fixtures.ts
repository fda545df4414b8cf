import { randomUUID } from 'node:crypto';
import type { PluggyAccountIn } from './queries/accounts.ts';
import type { PluggyItemIn } from './queries/items.ts';
import type { PluggyTransactionIn } from './queries/transactions.ts';

/**
 * Pluggy-shaped objects for tests (shapes from docs/pluggy.md), each
 * with fresh ids; override any field. Test support only.
 */

export function pluggyItem(
  over: Partial<PluggyItemIn> & Record<string, unknown> = {},
): PluggyItemIn & Record<string, unknown> {
  return {
    id: randomUUID(),
    connector: { id: 2, name: 'Pluggy Bank' },
    createdAt: '2025-02-03T14:00:01.100Z',
    updatedAt: '2025-02-03T14:01:12.480Z',
    status: 'UPDATED',
    executionStatus: 'SUCCESS',
    lastUpdatedAt: '2025-02-03T14:01:12.455Z',
    error: null,
    clientUserId: null,
    statusDetail: null,
    nextAutoSyncAt: '2025-02-04T14:01:12.455Z',
    consentExpiresAt: null,
    ...over,
  };
}

export function pluggyAccount(
  over: Partial<PluggyAccountIn> & Record<string, unknown> = {},
): PluggyAccountIn & Record<string, unknown> {
  return {
    id: randomUUID(),
    type: 'BANK',
    subtype: 'CHECKING_ACCOUNT',
    number: '0001/12345-0',
    name: 'Conta Corrente',
    marketingName: null,
    balance: 3820.55,
    currencyCode: 'BRL',
    owner: 'MARIA SOUZA',
    taxNumber: '***.456.789-**',
    bankData: { transferNumber: '341/0001/12345-6', closingBalance: 3820.55 },
    creditData: null,
    ...over,
  };
}

export function pluggyCreditCard(
  over: Partial<PluggyAccountIn> & Record<string, unknown> = {},
): PluggyAccountIn & Record<string, unknown> {
  return pluggyAccount({
    type: 'CREDIT',
    subtype: 'CREDIT_CARD',
    number: '4321',
    name: 'Cartao Azul Visa Infinite',
    balance: 2315.87,
    bankData: null,
    creditData: {
      level: 'INFINITE',
      brand: 'VISA',
      balanceCloseDate: '2024-05-03T00:00:00.000Z',
      balanceDueDate: '2024-05-10T00:00:00.000Z',
      availableCreditLimit: 17684.13,
      minimumPayment: 347.38,
      creditLimit: 20000,
      status: 'ACTIVE',
    } as PluggyAccountIn['creditData'],
    ...over,
  });
}

let seq = 0;
export function pluggyTransaction(
  accountId: string,
  over: Partial<PluggyTransactionIn> & Record<string, unknown> = {},
): PluggyTransactionIn & Record<string, unknown> {
  seq += 1;
  const day = String((seq % 28) + 1).padStart(2, '0');
  return {
    id: randomUUID(),
    accountId,
    date: `2024-04-${day}T00:00:00.000Z`,
    description: `Pix enviado ${seq}`,
    descriptionRaw: `PIX ENVIADO ${seq}`,
    currencyCode: 'BRL',
    amount: -150,
    amountInAccountCurrency: null,
    balance: 3820.55,
    type: 'DEBIT',
    status: 'POSTED',
    category: 'Transfer - PIX',
    categoryId: '05070000',
    providerCode: 'PIX',
    providerId: `E6070119${seq}`,
    operationType: 'PIX',
    paymentData: { paymentMethod: 'PIX' },
    creditCardMetadata: null,
    merchant: null,
    createdAt: '2024-04-18T11:02:07.412Z',
    updatedAt: '2024-04-18T11:02:07.412Z',
    ...over,
  };
}
