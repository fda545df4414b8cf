import { z } from 'zod';

/**
 * Pluggy's response shapes (docs/pluggy.md). Every object is loose: unknown fields are kept,
 * because we store the raw payload and Pluggy adds fields without notice. Fields we rely on are
 * required; fields docs/pluggy.md marks nullable are `.nullable()`; fields it marks optional,
 * unverified or "live only" are `.nullish()`.
 *
 * Enums Pluggy grows over time are open (`openEnum`): a new value parses as a string instead of
 * failing a whole sync, while the TypeScript type still lists the known values. The two that
 * decide a money direction (transaction `type`, investment `movementType`) and account `type` are
 * closed: an unknown value there must stop us rather than book money the wrong way round.
 */
function openEnum<const T extends string>(_known: readonly T[]) {
  return z.custom<T | (string & {})>((v) => typeof v === 'string', { message: 'expected a string' });
}

const dateTime = z.string();
const looseArray = z.array(z.looseObject({}));

// Page and cursor envelopes (docs/pluggy.md#conventions, #lists-and-pagination).
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.looseObject({ results: z.array(item), page: z.number(), total: z.number(), totalPages: z.number() });
export const cursorOf = <T extends z.ZodType>(item: T) =>
  z.looseObject({ results: z.array(item), next: z.string().nullable() });

export const AuthResponseSchema = z.looseObject({ apiKey: z.string().min(1) });
export const ConnectTokenSchema = z.looseObject({ accessToken: z.string().min(1) });

// ── Connectors (docs/pluggy.md#connectors) ──────────────────────────────────────────────────────

export const ConnectorCredentialSchema = z.looseObject({
  name: z.string(),
  label: z.string(),
  type: openEnum(['text', 'password', 'number', 'image', 'select', 'ethaddress', 'hcaptcha']),
  mfa: z.boolean().nullish(),
  data: z.string().nullish(),
  options: z.array(z.looseObject({ value: z.string(), label: z.string() })).nullish(),
  validation: z.string().nullish(),
  validationMessage: z.string().nullish(),
  placeholder: z.string().nullish(),
  instructions: z.string().nullish(),
  optional: z.boolean().nullish(),
  expiresAt: dateTime.nullish(),
});

export const ConnectorSchema = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  type: openEnum([
    'PERSONAL_BANK',
    'BUSINESS_BANK',
    'INVOICE',
    'INVESTMENT',
    'TELECOMMUNICATION',
    'DIGITAL_ECONOMY',
    'PAYMENT_ACCOUNT',
    'OTHER',
  ]),
  country: z.string(),
  imageUrl: z.string(),
  primaryColor: z.string().nullish(),
  institutionUrl: z.string().nullish(),
  credentials: z.array(ConnectorCredentialSchema),
  hasMFA: z.boolean(),
  oauth: z.boolean().nullish(),
  health: z
    .looseObject({ status: openEnum(['ONLINE', 'OFFLINE', 'UNSTABLE']), stage: z.string().nullish() })
    .nullish(),
  products: z.array(z.string()),
  // "missing from OAS properties but always sent" (docs/pluggy.md#connectors): tolerated when absent.
  isSandbox: z.boolean().nullish(),
  isOpenFinance: z.boolean(),
  supportsPaymentInitiation: z.boolean().nullish(),
  createdAt: dateTime.nullish(),
  updatedAt: dateTime.nullish(),
});

// ── Items (docs/pluggy.md#items) ────────────────────────────────────────────────────────────────

export const ITEM_STATUSES = [
  'UPDATED',
  'UPDATING',
  'WAITING_USER_INPUT',
  'WAITING_USER_ACTION',
  'MERGING',
  'LOGIN_ERROR',
  'OUTDATED',
] as const;

// See docs/pluggy.md#item-statuses: "Clients must tolerate unknown values."
export const EXECUTION_STATUSES = [
  'CREATING',
  'CREATE_ERROR',
  'CREATED',
  'LOGIN_IN_PROGRESS',
  'WAITING_USER_INPUT',
  'WAITING_USER_ACTION',
  'LOGIN_MFA_IN_PROGRESS',
  'ACCOUNTS_IN_PROGRESS',
  'TRANSACTIONS_IN_PROGRESS',
  'PAYMENT_DATA_IN_PROGRESS',
  'CREDITCARDS_IN_PROGRESS',
  'INVESTMENTS_IN_PROGRESS',
  'INVESTMENTS_TRANSACTIONS_IN_PROGRESS',
  'IDENTITY_IN_PROGRESS',
  'LOANS_IN_PROGRESS',
  'ACCOUNT_STATEMENTS_IN_PROGRESS',
  'INVALID_CREDENTIALS',
  'ALREADY_LOGGED_IN',
  'UNEXPECTED_ERROR',
  'INVALID_CREDENTIALS_MFA',
  'SITE_NOT_AVAILABLE',
  'ACCOUNT_LOCKED',
  'ACCOUNT_CREDENTIALS_RESET',
  'CONNECTION_ERROR',
  'ACCOUNT_NEEDS_ACTION',
  'USER_AUTHORIZATION_PENDING',
  'USER_AUTHORIZATION_NOT_GRANTED',
  'USER_NOT_SUPPORTED',
  'USER_INPUT_TIMEOUT',
  'MERGE_ERROR',
  'ERROR',
  'SUCCESS',
  'PARTIAL_SUCCESS',
] as const;

const ItemStatusSchema = openEnum(ITEM_STATUSES);
const ExecutionStatusSchema = openEnum(EXECUTION_STATUSES);

const ProductStateSchema = z.looseObject({
  isUpdated: z.boolean(),
  lastUpdatedAt: dateTime.nullable(),
  warnings: z
    .array(z.looseObject({ code: z.string(), message: z.string(), providerMessage: z.string().nullish() }))
    .nullish(),
});

export const ItemSchema = z.looseObject({
  id: z.string(),
  connector: ConnectorSchema,
  createdAt: dateTime,
  updatedAt: dateTime,
  status: ItemStatusSchema,
  executionStatus: ExecutionStatusSchema,
  lastUpdatedAt: dateTime.nullable(),
  webhookUrl: z.string().nullable(),
  clientUserId: z.string().nullable(),
  error: z
    .looseObject({
      code: ExecutionStatusSchema,
      message: z.string(),
      providerMessage: z.string().nullish(),
      attributes: z.record(z.string(), z.string()).nullish(),
    })
    .nullable(),
  consecutiveFailedLoginAttempts: z.number().int().nullish(),
  // Each product key is a ProductState or null ("not requested"), docs/pluggy.md#item-object; spelling of the
  // investment-transactions key is unverified, so keys are not enumerated.
  statusDetail: z.record(z.string(), ProductStateSchema.nullable()).nullable(),
  parameter: ConnectorCredentialSchema.nullable(),
  userAction: z
    .looseObject({
      instructions: z.string(),
      type: z.string().nullish(),
      attributes: z.record(z.string(), z.string()).nullish(),
      expiresAt: dateTime.nullish(),
    })
    .nullable(),
  nextAutoSyncAt: dateTime.nullable(),
  // Live only / not in the SDK type (docs/pluggy.md#item-object).
  autoSyncDisabledAt: dateTime.nullish(),
  consentExpiresAt: dateTime.nullish(),
  products: z.array(z.string()).nullish(),
  oauthRedirectUri: z.string().nullish(),
});

// ── Accounts (docs/pluggy.md#accounts-and-balances) ─────────────────────────────────────────────

export const AccountSchema = z.looseObject({
  id: z.string(),
  itemId: z.string(),
  type: z.enum(['BANK', 'CREDIT']),
  subtype: openEnum(['CHECKING_ACCOUNT', 'SAVINGS_ACCOUNT', 'CREDIT_CARD']),
  number: z.string(),
  name: z.string(),
  marketingName: z.string().nullish(),
  balance: z.number(),
  currencyCode: z.string(),
  owner: z.string().nullish(),
  taxNumber: z.string().nullish(),
  bankData: z.looseObject({}).nullish(),
  creditData: z.looseObject({}).nullish(),
  createdAt: dateTime.nullish(),
  updatedAt: dateTime.nullish(),
});

// ── Transactions (docs/pluggy.md#transactions) ──────────────────────────────────────────────────

export const TransactionSchema = z.looseObject({
  id: z.string(),
  accountId: z.string(),
  date: dateTime,
  description: z.string(),
  descriptionRaw: z.string().nullish(),
  currencyCode: z.string(),
  amount: z.number(),
  amountInAccountCurrency: z.number().nullish(),
  // "only for supported institutions, so may be null/absent" (docs/pluggy.md#transaction-fields).
  balance: z.number().nullish(),
  type: z.enum(['DEBIT', 'CREDIT']),
  // Missing means POSTED (docs/pluggy.md#transaction-fields).
  status: openEnum(['PENDING', 'POSTED']).nullish(),
  category: z.string().nullish(),
  categoryId: z.string().nullish(),
  providerCode: z.string().nullish(),
  providerId: z.string().nullish(),
  operationType: z.string().nullish(),
  operationTypeAdditionalInfo: z.string().nullish(),
  paymentData: z.looseObject({}).nullish(),
  creditCardMetadata: z
    .looseObject({
      installmentNumber: z.number().nullish(),
      totalInstallments: z.number().nullish(),
      purchaseDate: dateTime.nullish(),
      billId: z.string().nullish(),
    })
    .nullish(),
  merchant: z.looseObject({}).nullish(),
  createdAt: dateTime,
  updatedAt: dateTime,
});

// ── Identity (docs/pluggy.md#identity) ──────────────────────────────────────────────────────────

export const IdentitySchema = z.looseObject({
  id: z.string(),
  itemId: z.string(),
  fullName: z.string().nullish(),
  companyName: z.string().nullish(),
  document: z.string().nullish(),
  documentType: z.string().nullish(),
  taxNumber: z.string().nullish(),
  birthDate: dateTime.nullish(),
  phoneNumbers: looseArray.nullish(),
  emails: looseArray.nullish(),
  addresses: looseArray.nullish(),
  createdAt: dateTime,
  updatedAt: dateTime,
});

// ── Investments (docs/pluggy.md#investments) ────────────────────────────────────────────────────

export const InvestmentSchema = z.looseObject({
  id: z.string(),
  itemId: z.string(),
  type: openEnum(['MUTUAL_FUND', 'SECURITY', 'EQUITY', 'COE', 'FIXED_INCOME', 'ETF', 'OTHER']),
  subtype: z.string().nullish(),
  name: z.string(),
  code: z.string().nullish(),
  currencyCode: z.string(),
  date: dateTime.nullish(),
  value: z.number().nullish(),
  quantity: z.number().nullish(),
  amount: z.number().nullish(),
  balance: z.number(),
  status: openEnum(['ACTIVE', 'PENDING', 'TOTAL_WITHDRAWAL']).nullish(),
});

export const InvestmentTransactionSchema = z.looseObject({
  id: z.string(),
  investmentId: z.string().nullish(),
  type: openEnum(['BUY', 'SELL', 'TAX', 'TRANSFER']).nullish(),
  movementType: z.enum(['DEBIT', 'CREDIT']),
  description: z.string().nullish(),
  quantity: z.number().nullish(),
  value: z.number().nullish(),
  amount: z.number().nullish(),
  netAmount: z.number().nullish(),
  date: dateTime,
  tradeDate: dateTime.nullish(),
});

// ── Loans (docs/pluggy.md#loans) ────────────────────────────────────────────────────────────────

export const LoanSchema = z.looseObject({
  id: z.string(),
  itemId: z.string(),
  contractNumber: z.string().nullish(),
  productName: z.string(),
  type: z.string().nullish(),
  kind: openEnum(['LOAN', 'FINANCING', 'INVOICE_FINANCING', 'UNARRANGED_ACCOUNT_OVERDRAFT']),
  contractAmount: z.number().nullish(),
  currencyCode: z.string(),
});

// ── Credit-card bills (docs/pluggy.md#credit-card-bills) ────────────────────────────────────────

export const BillSchema = z.looseObject({
  id: z.string(),
  dueDate: dateTime,
  billClosingDate: dateTime.nullish(),
  totalAmount: z.number(),
  totalAmountCurrencyCode: z.string(),
  minimumPaymentAmount: z.number().nullish(),
  allowsInstallments: z.boolean().nullish(),
  financeCharges: looseArray,
  payments: looseArray,
  createdAt: dateTime,
  updatedAt: dateTime,
});

// ── Categories (docs/pluggy.md#categories) ──────────────────────────────────────────────────────

export const CategorySchema = z.looseObject({
  id: z.string(),
  description: z.string(),
  descriptionTranslated: z.string().nullish(),
  parentId: z.string().nullish(),
  parentDescription: z.string().nullish(),
});

// ── Webhooks (docs/pluggy.md#registering-webhooks) ──────────────────────────────────────────────

export const WebhookSchema = z.looseObject({
  id: z.string(),
  event: z.string(),
  url: z.string(),
  createdAt: dateTime,
  updatedAt: dateTime,
  disabledAt: dateTime.nullish(),
});

export type ItemStatus = (typeof ITEM_STATUSES)[number] | (string & {});
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number] | (string & {});
export type Connector = z.infer<typeof ConnectorSchema>;
export type Item = z.infer<typeof ItemSchema>;
export type Account = z.infer<typeof AccountSchema>;
export type Transaction = z.infer<typeof TransactionSchema>;
export type Identity = z.infer<typeof IdentitySchema>;
export type Investment = z.infer<typeof InvestmentSchema>;
export type InvestmentTransaction = z.infer<typeof InvestmentTransactionSchema>;
export type Loan = z.infer<typeof LoanSchema>;
export type Bill = z.infer<typeof BillSchema>;
export type Category = z.infer<typeof CategorySchema>;
export type Webhook = z.infer<typeof WebhookSchema>;
export type Page<T> = { results: T[]; page: number; total: number; totalPages: number };
export type CursorPage<T> = { results: T[]; next: string | null };
