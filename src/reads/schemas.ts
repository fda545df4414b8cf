import { z } from 'zod';
import { PLUGGY_ID_PATTERN } from '../domain/pluggyId.ts';

/**
 * The shapes every face answers (REST, MCP tools, the Connect page), declared once; the OpenAPI
 * document is generated from them. Money is a decimal string beside its currencyCode; ids are
 * Pluggy's, under `id`; times are ISO 8601 strings.
 */
export const Money = z
  .string()
  .regex(/^-?\d+\.\d{2,}$/)
  .describe('decimal string, e.g. "-1234.56"');
const Time = z.iso.datetime().describe('ISO 8601');
const nullable = <T extends z.ZodType>(t: T) => t.nullable();

export const PersonSchema = z.object({
  id: z.uuid().describe("our opaque id for the person (Pluggy's clientUserId)"),
  phone: z.string().describe('E.164'),
  createdAt: Time,
});
export type Person = z.infer<typeof PersonSchema>;

export const ItemViewSchema = z.object({
  id: z.string(),
  institution: z.object({ connectorId: nullable(z.number().int()), name: nullable(z.string()) }),
  status: nullable(z.string()),
  executionStatus: nullable(z.string()),
  needsReconnect: z.boolean(),
  reconnectReason: nullable(z.string()).describe('in words, when needsReconnect'),
  lastSuccessfulSyncAt: nullable(Time),
  syncRunning: z.boolean(),
  consentExpiresAt: nullable(Time),
  createdAt: Time,
});
export type ItemView = z.infer<typeof ItemViewSchema>;

export const AccountViewSchema = z.object({
  id: z.string(),
  itemId: z.string(),
  type: z.string(),
  subtype: nullable(z.string()),
  name: nullable(z.string()),
  marketingName: nullable(z.string()),
  number: nullable(z.string()),
  owner: nullable(z.string()),
  balance: nullable(Money),
  currencyCode: nullable(z.string()),
  creditLimit: nullable(Money),
  availableCreditLimit: nullable(Money),
  billDueDate: nullable(Time),
  billCloseDate: nullable(Time),
  syncedAt: Time,
});
export type AccountView = z.infer<typeof AccountViewSchema>;

/** Pluggy's field names, so the assistant reads them as it reads Pluggy's docs. */
export const TransactionViewSchema = z.object({
  id: z.string(),
  accountId: z.string(),
  itemId: z.string(),
  date: Time,
  description: nullable(z.string()),
  descriptionRaw: nullable(z.string()),
  amount: Money,
  currencyCode: nullable(z.string()),
  amountInAccountCurrency: nullable(Money),
  balance: nullable(Money),
  type: z.enum(['DEBIT', 'CREDIT']),
  status: z.enum(['PENDING', 'POSTED']),
  category: nullable(z.string()),
  categoryId: nullable(z.string()),
  providerId: nullable(z.string()),
  operationType: nullable(z.string()),
  paymentMethod: nullable(z.string()),
  merchant: nullable(z.object({ name: nullable(z.string()), cnpj: nullable(z.string()) })),
  creditCardMetadata: nullable(
    z.object({
      installmentNumber: nullable(z.number().int()),
      totalInstallments: nullable(z.number().int()),
      billId: nullable(z.string()),
      purchaseDate: nullable(Time),
    }),
  ),
  createdAt: Time,
  updatedAt: nullable(Time),
});
export type TransactionView = z.infer<typeof TransactionViewSchema>;

export const BillViewSchema = z.object({
  id: z.string(),
  accountId: z.string(),
  itemId: z.string(),
  dueDate: Time,
  closeDate: nullable(Time),
  totalAmount: Money,
  minimumPaymentAmount: nullable(Money),
  currencyCode: nullable(z.string()),
  state: z.enum(['open', 'closed']).describe('open: due date not yet passed'),
});
export type BillView = z.infer<typeof BillViewSchema>;

export const IdentityViewSchema = z.object({
  id: z.string(),
  itemId: z.string(),
  fullName: nullable(z.string()),
  companyName: nullable(z.string()),
  document: nullable(z.string()),
  documentType: nullable(z.string()),
  birthDate: nullable(Time),
  emails: z.unknown(),
  phones: z.unknown(),
  addresses: z.unknown(),
});

export const InvestmentViewSchema = z.object({
  id: z.string(),
  itemId: z.string(),
  type: nullable(z.string()),
  subtype: nullable(z.string()),
  name: nullable(z.string()),
  code: nullable(z.string()),
  balance: nullable(Money),
  amount: nullable(Money),
  currencyCode: nullable(z.string()),
  dueDate: nullable(Time),
  status: nullable(z.string()),
});

export const LoanViewSchema = z.object({
  id: z.string(),
  itemId: z.string(),
  contractNumber: nullable(z.string()),
  productName: nullable(z.string()),
  type: nullable(z.string()),
  contractAmount: nullable(Money),
  outstandingBalance: nullable(Money),
  currencyCode: nullable(z.string()),
  dueDate: nullable(Time),
});

export const FinancialDataSchema = z.object({
  person: PersonSchema,
  items: z.array(ItemViewSchema),
  accounts: z.array(AccountViewSchema),
  cardBills: z.array(BillViewSchema).describe('per card: the open bill and the last closed one'),
  recentTransactions: z.object({
    from: Time,
    data: z.array(TransactionViewSchema),
    truncated: z.boolean().describe('more than the answer holds; page through /transactions'),
  }),
  identities: z.array(IdentityViewSchema),
  investments: z.object({
    data: z.array(InvestmentViewSchema),
    totalsByType: z.array(z.object({ type: z.string(), currencyCode: z.string(), total: Money })),
  }),
  loans: z.array(LoanViewSchema),
});
export type FinancialData = z.infer<typeof FinancialDataSchema>;

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const ConnectorViewSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  type: z.string(),
  country: z.string(),
  imageUrl: z.string(),
  primaryColor: z.string().nullable(),
  isOpenFinance: z.boolean(),
  isSandbox: z.boolean(),
  hasMFA: z.boolean(),
  health: z.string().nullable(),
  products: z.array(z.string()),
});
export type ConnectorView = z.infer<typeof ConnectorViewSchema>;

/** An id of Pluggy's (item, account, transaction) as it arrives in a path, body or filter: a bad one is a 400. */
export const PluggyIdSchema = z.string().regex(PLUGGY_ID_PATTERN, 'must be a Pluggy id (a UUID)');
