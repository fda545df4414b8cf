/** Payloads shaped like Pluggy's documented examples (docs/pluggy.md), for scripted responses. */

export function connectorPayload(overrides: Record<string, unknown> = {}) {
  return {
    id: 2,
    name: 'Pluggy Bank',
    primaryColor: 'ef294b',
    institutionUrl: 'https://pluggy.ai',
    country: 'BR',
    type: 'PERSONAL_BANK',
    credentials: [
      {
        label: 'User',
        name: 'user',
        type: 'text',
        placeholder: '',
        validation: '^user-.{2,50}$',
        optional: false,
      },
      { label: 'Password', name: 'password', type: 'password', placeholder: '', optional: false },
    ],
    imageUrl: 'https://cdn.pluggy.ai/assets/connector-icons/sandbox.svg',
    hasMFA: false,
    health: { status: 'ONLINE', stage: null },
    products: ['ACCOUNTS', 'TRANSACTIONS', 'IDENTITY'],
    createdAt: '2020-09-07T00:08:06.588Z',
    isSandbox: true,
    isOpenFinance: false,
    updatedAt: '2025-01-10T12:00:00.000Z',
    supportsPaymentInitiation: false,
    ...overrides,
  };
}

export function itemPayload(overrides: Record<string, unknown> = {}) {
  return {
    id: '5f1c2a9e-7b41-4c0e-9d2a-3e8b6f0c1d27',
    connector: connectorPayload(),
    createdAt: '2025-02-03T14:00:01.100Z',
    updatedAt: '2025-02-03T14:00:01.100Z',
    status: 'UPDATING',
    executionStatus: 'CREATED',
    lastUpdatedAt: null,
    webhookUrl: null,
    error: null,
    clientUserId: 'user-4711',
    consecutiveFailedLoginAttempts: 0,
    statusDetail: null,
    parameter: null,
    userAction: null,
    nextAutoSyncAt: null,
    autoSyncDisabledAt: null,
    consentExpiresAt: null,
    products: ['ACCOUNTS', 'TRANSACTIONS', 'IDENTITY'],
    oauthRedirectUri: null,
    ...overrides,
  };
}

export function accountPayload(overrides: Record<string, unknown> = {}) {
  return {
    id: '9f2d7a10-4444-4e6f-9a71-dddddddddddd',
    itemId: '5f1c2a9e-7b41-4c0e-9d2a-3e8b6f0c1d27',
    type: 'BANK',
    subtype: 'CHECKING_ACCOUNT',
    number: '0001/12345-0',
    name: 'Conta Corrente',
    marketingName: null,
    balance: 3820.55,
    currencyCode: 'BRL',
    owner: 'MARIA SOUZA',
    taxNumber: '***.456.789-**',
    bankData: { transferNumber: '0001/12345-0', closingBalance: 3820.55 },
    creditData: null,
    ...overrides,
  };
}

export function transactionPayload(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    accountId: '9f2d7a10-4444-4e6f-9a71-dddddddddddd',
    date: '2024-04-18T00:00:00.000Z',
    description: 'Pix enviado Joao Lima',
    descriptionRaw: 'PIX ENVIADO JOAO LIMA 18/04',
    currencyCode: 'BRL',
    amount: -150.0,
    amountInAccountCurrency: null,
    balance: 3820.55,
    type: 'DEBIT',
    status: 'POSTED',
    category: 'Transfer - PIX',
    categoryId: '05070000',
    providerCode: 'PIX',
    providerId: null,
    operationType: 'PIX',
    operationTypeAdditionalInfo: null,
    paymentData: null,
    creditCardMetadata: null,
    merchant: null,
    createdAt: '2024-04-18T11:02:07.412Z',
    updatedAt: '2024-04-18T11:02:07.412Z',
    ...overrides,
  };
}

export function investmentPayload(id: string) {
  return {
    id,
    itemId: '5f1c2a9e-7b41-4c0e-9d2a-3e8b6f0c1d27',
    type: 'FIXED_INCOME',
    subtype: 'CDB',
    name: 'CDB Banco Exemplo 110% CDI',
    code: null,
    currencyCode: 'BRL',
    date: '2024-04-30T00:00:00.000Z',
    value: 10842.1,
    quantity: 1,
    amount: 10842.1,
    balance: 10690.35,
    status: 'ACTIVE',
  };
}

export const page = <T>(results: T[], pageNo = 1, totalPages = 1) => ({
  results,
  page: pageNo,
  total: results.length * totalPages,
  totalPages,
});
