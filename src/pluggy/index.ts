export { createPluggyClient, type PluggyClient, type PluggyClientOptions } from './client.ts';
export { PluggyError, type PluggyErrorCode } from './errors.ts';
export { type RateBudget, type RateGate, rateBudgetOf, rateScopeOf } from './rateGate.ts';
export type { ConnectorFilters } from './resources/connectors.ts';
export type { ConnectTokenOptions } from './resources/connectTokens.ts';
export type { CreateItemInput, UpdateItemInput } from './resources/items.ts';
export type { TransactionFilter } from './resources/transactions.ts';
export type { CreateWebhookInput, UpdateWebhookInput } from './resources/webhooks.ts';
export type { Merchant, MerchantsAnswer } from './resources/merchants.ts';
export type { Consent } from './resources/consents.ts';
export { MERCHANTS_PER_CALL } from './resources/merchants.ts';
export {
  EXECUTION_STATUSES,
  ITEM_STATUSES,
  type Account,
  type Bill,
  type Category,
  type Connector,
  type CursorPage,
  type ExecutionStatus,
  type Identity,
  type Investment,
  type InvestmentTransaction,
  type Item,
  type ItemStatus,
  type Loan,
  type Page,
  type Transaction,
  type Webhook,
} from './schemas.ts';
