import type { Logger } from 'pino';
import { createRequestSender } from './http.ts';
import type { RateBudget, RateGate } from './rateGate.ts';
import { accountsResource } from './resources/accounts.ts';
import { billsResource } from './resources/bills.ts';
import { categoriesResource } from './resources/categories.ts';
import { connectorsResource } from './resources/connectors.ts';
import { consentsResource } from './resources/consents.ts';
import { connectTokensResource } from './resources/connectTokens.ts';
import { identityResource } from './resources/identity.ts';
import { investmentsResource } from './resources/investments.ts';
import { itemsResource } from './resources/items.ts';
import { loansResource } from './resources/loans.ts';
import { merchantsResource } from './resources/merchants.ts';
import { transactionsResource } from './resources/transactions.ts';
import { webhooksResource } from './resources/webhooks.ts';

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
  /** Rate budget shared with every other client on the same gate (rateGate.ts); default none. */
  rateGate?: RateGate;
  /** Budget per scope (tests); default Pluggy's documented limits. */
  rateBudgetOf?: (scope: string) => RateBudget;
};

export function createPluggyClient(opts: PluggyClientOptions) {
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
    ...(opts.rateGate ? { rateGate: opts.rateGate } : {}),
    ...(opts.rateBudgetOf ? { rateBudgetOf: opts.rateBudgetOf } : {}),
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
    ...merchantsResource(http),
    ...consentsResource(http),
    ...webhooksResource(http),
  };
}

/**
 * Every Pluggy operation we use, flat. Errors are always PluggyError. The signatures (and their
 * docs) are the resources' own, so they are declared once.
 */
export type PluggyClient = ReturnType<typeof createPluggyClient>;
