/**
 * Pluggy's JSON shapes as the sandbox serves them (dates are ISO strings, nulls explicit).
 * Field names and enums follow docs/pluggy.md.
 */

export type ConnectorType =
  | 'PERSONAL_BANK'
  | 'BUSINESS_BANK'
  | 'INVOICE'
  | 'INVESTMENT'
  | 'TELECOMMUNICATION'
  | 'DIGITAL_ECONOMY'
  | 'PAYMENT_ACCOUNT'
  | 'OTHER';

export const PRODUCT_TYPES = [
  'ACCOUNTS',
  'CREDIT_CARDS',
  'TRANSACTIONS',
  'PAYMENT_DATA',
  'INVESTMENTS',
  'INVESTMENTS_TRANSACTIONS',
  'IDENTITY',
  'BROKERAGE_NOTE',
  'MOVE_SECURITY',
  'LOANS',
  'ACCOUNT_STATEMENTS',
] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];

export type ConnectorHealthStatus = 'ONLINE' | 'UNSTABLE' | 'OFFLINE';

export type ConnectorCredential = {
  label: string;
  name: string;
  type: 'text' | 'password' | 'number' | 'image' | 'select' | 'oauth';
  placeholder?: string;
  validation?: string;
  validationMessage?: string;
  optional?: boolean;
  mfa?: boolean;
  assistiveText?: string;
  instructions?: string;
  data?: string;
  options?: { value: string; label: string }[];
  expiresAt?: string;
};

export type Connector = {
  id: number;
  name: string;
  primaryColor: string;
  institutionUrl: string;
  country: string;
  type: ConnectorType;
  credentials: ConnectorCredential[];
  imageUrl: string;
  hasMFA: boolean;
  oauth: boolean;
  health: { status: ConnectorHealthStatus; stage: 'BETA' | null; details?: unknown };
  products: ProductType[];
  createdAt: string;
  isSandbox: boolean;
  isOpenFinance: boolean;
  updatedAt: string;
  supportsPaymentInitiation: boolean;
  supportsScheduledPayments: boolean;
  supportsSmartTransfers: boolean;
  supportsBoletoManagement: boolean;
  supportsAutomaticPix: boolean;
};

export type ItemStatus =
  | 'UPDATED'
  | 'UPDATING'
  | 'WAITING_USER_INPUT'
  | 'WAITING_USER_ACTION'
  | 'MERGING'
  | 'LOGIN_ERROR'
  | 'OUTDATED';

export type ProductState = {
  isUpdated: boolean;
  lastUpdatedAt: string | null;
  warnings?: { code: string; message: string; providerMessage?: string }[];
};
export type StatusDetail = {
  accounts: ProductState | null;
  creditCards: ProductState | null;
  transactions: ProductState | null;
  investments: ProductState | null;
  investmentTransactions: ProductState | null;
  identity: ProductState | null;
  paymentData: ProductState | null;
  loans: ProductState | null;
  accountStatements: ProductState | null;
};

export type ItemError = {
  code: string;
  message: string;
  providerMessage?: string;
  attributes?: Record<string, string>;
};

export type Item = {
  id: string;
  connector: Connector;
  createdAt: string;
  updatedAt: string;
  status: ItemStatus;
  executionStatus: string;
  lastUpdatedAt: string | null;
  webhookUrl: string | null;
  error: ItemError | null;
  clientUserId: string | null;
  consecutiveFailedLoginAttempts: number;
  statusDetail: StatusDetail | null;
  parameter: ConnectorCredential | null;
  userAction: {
    instructions: string;
    type?: string;
    attributes?: Record<string, string>;
    expiresAt?: string;
  } | null;
  nextAutoSyncAt: string | null;
  autoSyncDisabledAt: string | null;
  consentExpiresAt: string | null;
  products: ProductType[];
  oauthRedirectUri: string | null;
};

export type Account = {
  id: string;
  itemId: string;
  type: 'BANK' | 'CREDIT';
  subtype: 'CHECKING_ACCOUNT' | 'SAVINGS_ACCOUNT' | 'CREDIT_CARD';
  number: string;
  name: string;
  marketingName: string | null;
  balance: number;
  currencyCode: string;
  owner: string | null;
  taxNumber: string | null;
  bankData: {
    transferNumber: string | null;
    closingBalance: number | null;
    automaticallyInvestedBalance: number | null;
    overdraftContractedLimit: number | null;
    overdraftUsedLimit: number | null;
    unarrangedOverdraftAmount: number | null;
  } | null;
  creditData: {
    level: string | null;
    brand: string | null;
    balanceCloseDate: string | null;
    balanceDueDate: string | null;
    availableCreditLimit: number | null;
    creditLimit: number | null;
    balanceForeignCurrency: number | null;
    minimumPayment: number | null;
    isLimitFlexible: boolean | null;
    status: 'ACTIVE' | 'BLOCKED' | 'CANCELLED' | null;
    holderType: 'MAIN' | 'ADDITIONAL' | null;
  } | null;
  createdAt: string;
  updatedAt: string;
};

export type Participant = {
  name?: string;
  documentNumber?: { value: string; type: 'CPF' | 'CNPJ' };
  accountNumber?: string;
  branchNumber?: string;
  routingNumber?: string;
  routingNumberISPB?: string;
};

export type PaymentData = {
  payer?: Participant;
  receiver?: Participant;
  paymentMethod?: string;
  referenceNumber?: string;
  reason?: string;
  receiverReferenceId?: string;
  boletoMetadata: {
    digitableLine: string | null;
    barcode: string | null;
    baseAmount: number | null;
    penaltyAmount: number | null;
    interestAmount: number | null;
    discountAmount: number | null;
  } | null;
};

export type Merchant = { name: string; businessName: string; cnpj: string; cnae?: string; category?: string };

export type CreditCardMetadata = {
  installmentNumber?: number;
  totalInstallments?: number;
  totalAmount?: number;
  purchaseDate?: string;
  payeeMCC?: number;
  cardNumber?: string;
  billId?: string;
  billForecastDate?: string;
};

export type Transaction = {
  id: string;
  accountId: string;
  date: string;
  description: string;
  descriptionRaw: string | null;
  currencyCode: string;
  amount: number;
  amountInAccountCurrency: number | null;
  balance: number | null;
  type: 'DEBIT' | 'CREDIT';
  status: 'PENDING' | 'POSTED';
  category: string | null;
  categoryId: string | null;
  providerCode: string | null;
  providerId: string | null;
  operationType: string | null;
  operationTypeAdditionalInfo: string | null;
  paymentData: PaymentData | null;
  creditCardMetadata: CreditCardMetadata | null;
  merchant: Merchant | null;
  createdAt: string;
  updatedAt: string;
};

export type Bill = {
  id: string;
  dueDate: string;
  billClosingDate: string | null;
  totalAmount: number;
  totalAmountCurrencyCode: string;
  minimumPaymentAmount: number | null;
  allowsInstallments: boolean | null;
  financeCharges: {
    id: string;
    type: string;
    amount: number;
    currencyCode: string;
    additionalInfo: string | null;
  }[];
  payments: {
    id: string;
    valueType: string;
    paymentDate: string;
    paymentMode: string | null;
    amount: number;
    currencyCode: string;
  }[];
  createdAt: string;
  updatedAt: string;
};

export type Category = {
  id: string;
  description: string;
  descriptionTranslated: string;
  parentId: string | null;
  parentDescription: string | null;
};

export type Consent = {
  id: string;
  itemId: string;
  products: ProductType[];
  openFinancePermissionsGranted: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
};

export type Webhook = {
  id: string;
  event: string;
  url: string;
  createdAt: string;
  updatedAt: string;
  disabledAt: string | null;
};

/** Identity, investments, loans: served as generated; typed loosely (many optional Open Finance fields). */
export type JsonObject = { id: string; itemId: string } & Record<string, unknown>;
