/**
 * The shapes of one item's generated world and the knobs that size it.
 */
import type { Rng } from '../random.ts';
import type { Account, Bill, Connector, JsonObject, ProductType } from '../types.ts';
import type { BANKS, CITIES } from './pools.ts';
import type { TxRow } from './rows.ts';
import type { TemplateBook } from './templates.ts';

export type WorldSize = {
  bankAccounts: number;
  cardAccounts: number;
  transactionsPerAccount: number;
  historyMonths: number;
  /** Recurring charges on the first card (world/subscriptions.ts); off by default. */
  subscriptions?: boolean;
};

export const DEFAULT_SIZE: WorldSize = {
  bankAccounts: 2,
  cardAccounts: 1,
  transactionsPerAccount: 400,
  historyMonths: 13,
};

export type AccountKind = 'checking' | 'savings' | 'card';

export type AccountState = {
  kind: AccountKind;
  account: Account;
  /** Sorted by the cursor key (date, id). */
  rows: TxRow[];
  /** Closed bills, oldest first (cards only). */
  bills: Bill[];
  /** Bank: current balance in cents. Card: amount owed in cents. */
  balance: number;
  card: { closingDay: number; last4: string; limit: number } | null;
};

export type Counterparty = {
  name: string;
  doc: string;
  docType: 'CPF' | 'CNPJ';
  bank: (typeof BANKS)[number];
};

export type Holder = {
  business: boolean;
  name: string;
  document: string;
  documentType: 'CPF' | 'CNPJ';
  bank: (typeof BANKS)[number];
  agency: string;
  email: string;
  phone: string;
  city: (typeof CITIES)[number];
  partner: string | null;
  birthDate: number;
};

export type World = {
  holder: Holder;
  accounts: AccountState[];
  identity: JsonObject | null;
  investments: JsonObject[];
  investmentTransactions: Map<string, JsonObject[]>;
  loans: JsonObject[];
  /** Stream for everything that happens after the first sync (new rows, restatements). */
  live: Rng;
  /** Until when daily activity has been generated. */
  activityUntil: number;
  templates: TemplateBook;
  openFinance: boolean;
};

export type GenerateParams = {
  seed: number;
  ordinal: number;
  itemId: string;
  connector: Connector;
  products: ProductType[];
  size: WorldSize;
  nowMs: number;
  /** user-ok-two-checking-accounts */
  checkingAccounts?: number;
  /** user-ok-perf-{x}: transaction volume multiplier. */
  volumeMultiplier?: number;
  /** user-ok-account-error: the bank accounts fail to collect (PARTIAL_SUCCESS). */
  skipBankAccounts?: boolean;
};

/** Cap on rows per world (the benchmark ceiling). */
export const MAX_ROWS_PER_WORLD = 200_000;
