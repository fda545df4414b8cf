/**
 * Accounts as Pluggy returns them (bank and credit card), and their balance after rows changed.
 */
import { iso } from '../clock.ts';
import type { Rng } from '../random.ts';
import { cents } from './rows.ts';
import type { AccountKind, AccountState, Holder } from './model.ts';
import { syncBankAccountBalance } from './bank.ts';
import { refreshCardBalance } from './cards.ts';

const maskCpf = (cpf: string) => `***.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-**`;
const formatCnpj = (c: string) =>
  `${c.slice(0, 2)}.${c.slice(2, 5)}.${c.slice(5, 8)}/${c.slice(8, 12)}-${c.slice(12)}`;

export function makeAccount(
  rng: Rng,
  itemId: string,
  holder: Holder,
  kind: AccountKind,
  index: number,
  nowMs: number,
): AccountState {
  const created = iso(nowMs);
  const owner = holder.name.toUpperCase();
  const taxNumber = holder.documentType === 'CPF' ? maskCpf(holder.document) : formatCnpj(holder.document);
  const id = rng.uuid();
  if (kind === 'card') {
    const brand = rng.pick(['MASTERCARD', 'VISA', 'ELO'] as const);
    const level = rng.pick(['GOLD', 'PLATINUM', 'BLACK', 'INFINITE'] as const);
    const last4 = rng.digits(4);
    const limit = rng.int(6, 60) * 50000;
    return {
      kind,
      rows: [],
      bills: [],
      balance: 0,
      card: { closingDay: rng.int(1, 25), last4, limit },
      account: {
        id,
        itemId,
        type: 'CREDIT',
        subtype: 'CREDIT_CARD',
        number: last4,
        name: `${brand === 'MASTERCARD' ? 'Mastercard' : brand === 'VISA' ? 'Visa' : 'Elo'} ${level.charAt(0)}${level.slice(1).toLowerCase()}`,
        marketingName: holder.business
          ? `Cartão Empresarial ${level}`
          : `Cartão ${level}${index > 0 ? ` ${index + 1}` : ''}`,
        balance: 0,
        currencyCode: 'BRL',
        owner,
        taxNumber,
        bankData: null,
        creditData: {
          level,
          brand,
          balanceCloseDate: null,
          balanceDueDate: null,
          availableCreditLimit: cents(limit),
          creditLimit: cents(limit),
          balanceForeignCurrency: 0,
          minimumPayment: 0,
          isLimitFlexible: false,
          status: 'ACTIVE',
          holderType: 'MAIN',
        },
        createdAt: created,
        updatedAt: created,
      },
    };
  }
  const number = `${rng.digits(5 + (index % 3))}-${rng.digits(1)}`;
  const savings = kind === 'savings';
  return {
    kind,
    rows: [],
    bills: [],
    balance: 0,
    card: null,
    account: {
      id,
      itemId,
      type: 'BANK',
      subtype: savings ? 'SAVINGS_ACCOUNT' : 'CHECKING_ACCOUNT',
      number: `${holder.agency}/${number}`,
      name: savings ? 'Conta Poupança' : holder.business ? 'Conta Corrente PJ' : 'Conta Corrente',
      marketingName: savings ? 'Poupança' : holder.business ? 'Conta Empresarial' : 'Conta Corrente Digital',
      balance: 0,
      currencyCode: 'BRL',
      owner,
      taxNumber,
      bankData: {
        transferNumber: `${holder.bank[0]}/${holder.agency}/${number}`,
        closingBalance: 0,
        automaticallyInvestedBalance: 0,
        overdraftContractedLimit: savings ? null : cents(rng.int(2, 20) * 50000),
        overdraftUsedLimit: savings ? null : 0,
        unarrangedOverdraftAmount: savings ? null : 0,
      },
      creditData: null,
      createdAt: created,
      updatedAt: created,
    },
  };
}

/** After rows were added, removed or restated: the account's balance (and updatedAt) as of `now`. */
export function refreshBalance(acct: AccountState, now: number): void {
  if (acct.kind === 'card') refreshCardBalance(acct, now);
  else syncBankAccountBalance(acct);
  acct.account.updatedAt = iso(now);
}
