import type { Logger } from 'pino';
import { createRequestSender } from './http.ts';
import { accountsResource } from './resources/accounts.ts';
import { billsResource } from './resources/bills.ts';
import { categoriesResource } from './resources/categories.ts';
import { type ConnectorFilters, connectorsResource } from './resources/connectors.ts';
import { type ConnectTokenOptions, connectTokensResource } from './resources/connectTokens.ts';
import { identityResource } from './resources/identity.ts';
import { investmentsResource } from './resources/investments.ts';
import { type CreateItemInput, itemsResource, type UpdateItemInput } from './resources/items.ts';
import { loansResource } from './resources/loans.ts';
import { type TransactionFilter, transactionsResource } from './resources/transactions.ts';
import { type CreateWebhookInput, type UpdateWebhookInput, webhooksResource } from './resources/webhooks.ts';
import type {
  Account,
  Bill,
  Category,
  Connector,
  Identity,
  Investment,
  InvestmentTransaction,
  Item,
  Loan,
  Transaction,
  Webhook,
} from './schemas.ts';

export type PluggyClientOptions = {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Per request (each attempt), default 30 000. */
  timeoutMs?: number;
  /** Sends per call for transient failures, default 4 (1 + 3 retries). */
  maxAttempts?: number;
  /** Total time a call may spend on retries, waits included, default 60 000. */
  maxRetryTimeMs?: number;
  /** Full-jitter base, default 250. */
  retryBaseDelayMs?: number;
  /** Longest Retry-After we wait for; a longer one fails the call with 'rate-limited'. Default 65 000. */
  maxRetryAfterMs?: number;
  /** Renew the API key this long before its JWT `exp`, default 60 000. */
  apiKeyRefreshMarginMs?: number;
  /** Gets one debug line per HTTP attempt (method, path, status, ms, attempt); never keys or bodies. */
  logger?: Logger;
  fetch?: typeof fetch;
};

/** Every Pluggy operation we use, flat. Errors are always PluggyError. */
export interface PluggyClient {
  getConnectors(filters?: ConnectorFilters): Promise<Connector[]>;
  getConnector(id: number): Promise<Connector>;
  createConnectToken(opts?: ConnectTokenOptions): Promise<{ accessToken: string }>;
  createItem(input: CreateItemInput): Promise<Item>;
  getItem(id: string): Promise<Item>;
  updateItem(id: string, input?: UpdateItemInput): Promise<Item>;
  deleteItem(id: string): Promise<void>;
  sendItemMfa(id: string, params: Record<string, string>): Promise<Item>;
  getAccounts(itemId: string, type?: 'BANK' | 'CREDIT'): Promise<Account[]>;
  getAccount(id: string): Promise<Account>;
  /** GET /v2/transactions, one array per cursor page; stops on a cursor that does not advance. */
  transactionPages(accountId: string, filter?: TransactionFilter): AsyncGenerator<Transaction[]>;
  getTransaction(id: string): Promise<Transaction>;
  getTransactionsByIds(accountId: string, ids: string[]): Promise<Transaction[]>;
  /** null when Pluggy has no identity for the item (404). */
  getIdentity(itemId: string): Promise<Identity | null>;
  getInvestments(itemId: string): Promise<Investment[]>;
  investmentTransactionPages(investmentId: string): AsyncGenerator<InvestmentTransaction[]>;
  getLoans(itemId: string): Promise<Loan[]>;
  getBills(accountId: string): Promise<Bill[]>;
  getCategories(): Promise<Category[]>;
  listWebhooks(): Promise<Webhook[]>;
  createWebhook(input: CreateWebhookInput): Promise<Webhook>;
  updateWebhook(id: string, patch: UpdateWebhookInput): Promise<Webhook>;
  deleteWebhook(id: string): Promise<void>;
}

export function createPluggyClient(opts: PluggyClientOptions): PluggyClient {
  const http = createRequestSender({
    baseUrl: opts.baseUrl,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    timeoutMs: opts.timeoutMs ?? 30_000,
    maxAttempts: Math.max(1, opts.maxAttempts ?? 4),
    maxRetryTimeMs: opts.maxRetryTimeMs ?? 60_000,
    retryBaseDelayMs: opts.retryBaseDelayMs ?? 250,
    maxRetryAfterMs: opts.maxRetryAfterMs ?? 65_000,
    apiKeyRefreshMarginMs: opts.apiKeyRefreshMarginMs ?? 60_000,
    fetch: opts.fetch ?? globalThis.fetch,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  return {
    ...connectorsResource(http),
    ...connectTokensResource(http),
    ...itemsResource(http),
    ...accountsResource(http),
    ...transactionsResource(http),
    ...identityResource(http),
    ...investmentsResource(http),
    ...loansResource(http),
    ...billsResource(http),
    ...categoriesResource(http),
    ...webhooksResource(http),
  };
}
