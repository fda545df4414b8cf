/**
 * The connector catalogue: Pluggy's sandbox connectors (ids 0, 1, 2, 3, 8, 600;
 * docs/pluggy.md#sandbox-connectors) and ~30 Brazilian institutions with real-looking ids, names and brand
 * colours. Ids of the real institutions are plausible, not Pluggy's (only 601 Itaú and 603 Bradesco Open
 * Finance are sourced).
 */
import type { Connector, ConnectorCredential, ConnectorType, ProductType } from '../types.ts';

const CREATED = '2020-09-07T00:08:06.588Z';
const UPDATED = '2025-01-10T12:00:00.000Z';

const ALL_PRODUCTS: ProductType[] = [
  'ACCOUNTS',
  'CREDIT_CARDS',
  'TRANSACTIONS',
  'PAYMENT_DATA',
  'INVESTMENTS',
  'INVESTMENTS_TRANSACTIONS',
  'IDENTITY',
  'LOANS',
];
const CARD_PRODUCTS: ProductType[] = ['CREDIT_CARDS', 'TRANSACTIONS', 'IDENTITY'];
const INVESTMENT_PRODUCTS: ProductType[] = ['INVESTMENTS', 'INVESTMENTS_TRANSACTIONS', 'IDENTITY'];

// Credential field definitions -------------------------------------------------------------------

const sandboxUser: ConnectorCredential = {
  label: 'User',
  name: 'user',
  type: 'text',
  placeholder: '',
  validation: '^user-.{2,50}$',
  validationMessage: 'O user deve começar com "user-"',
  optional: false,
};
const sandboxPassword: ConnectorCredential = {
  label: 'Password',
  name: 'password',
  type: 'password',
  placeholder: '',
  validation: '^.{6,20}$',
  validationMessage: 'A senha deve ter entre 6 e 20 caracteres',
  optional: false,
};
export const MFA_TOKEN_CREDENTIAL: ConnectorCredential = {
  label: 'Token',
  name: 'token',
  type: 'number',
  placeholder: 'Ex.: 123456',
  validation: '^\\d{6}$',
  validationMessage: 'O token deve ter 6 números.',
  optional: false,
  mfa: true,
};
const cpf: ConnectorCredential = {
  label: 'CPF',
  name: 'cpf',
  type: 'number',
  placeholder: '000.000.000-00',
  validation: '^\\d{3}\\.?\\d{3}\\.?\\d{3}-?\\d{2}$',
  validationMessage: 'CPF inválido',
  optional: false,
};
const cnpj: ConnectorCredential = {
  label: 'CNPJ',
  name: 'cnpj',
  type: 'number',
  placeholder: '00.000.000/0000-00',
  validation: '^\\d{2}\\.?\\d{3}\\.?\\d{3}/?\\d{4}-?\\d{2}$',
  validationMessage: 'CNPJ inválido',
  optional: false,
};
const agency: ConnectorCredential = {
  label: 'Agência',
  name: 'agency',
  type: 'number',
  placeholder: '0000',
  validation: '^\\d{4}$',
  validationMessage: 'A agência deve ter 4 números',
  optional: false,
};
const account: ConnectorCredential = {
  label: 'Conta',
  name: 'account',
  type: 'text',
  placeholder: '00000-0',
  validation: '^\\d{4,12}-?\\d$',
  validationMessage: 'Informe a conta com o dígito',
  optional: false,
};
const password = (min = 4, max = 20, label = 'Senha'): ConnectorCredential => ({
  label,
  name: 'password',
  type: 'password',
  placeholder: '',
  validation: `^.{${min},${max}}$`,
  validationMessage: `A senha deve ter entre ${min} e ${max} caracteres`,
  optional: false,
});
const user = (label = 'Usuário'): ConnectorCredential => ({
  label,
  name: 'user',
  type: 'text',
  placeholder: '',
  validation: '^.{3,60}$',
  validationMessage: 'Informe o usuário',
  optional: false,
});

// Catalogue ----------------------------------------------------------------------------------------

type Def = {
  id: number;
  name: string;
  color: string;
  url: string;
  type: ConnectorType;
  credentials: ConnectorCredential[];
  products: ProductType[];
  hasMFA?: boolean;
  sandbox?: boolean;
  openFinance?: boolean;
  oauth?: boolean;
  stage?: 'BETA' | null;
  payments?: boolean;
  image?: string;
};

/** One of Pluggy's "Pluggy Bank" sandbox connectors; `overrides` holds what sets it apart. */
const pluggyBank = (id: number, overrides: Partial<Def> = {}): Def => ({
  id,
  name: 'Pluggy Bank',
  color: 'ef294b',
  url: 'https://pluggy.ai',
  type: 'PERSONAL_BANK',
  credentials: [sandboxUser, sandboxPassword],
  products: ALL_PRODUCTS,
  sandbox: true,
  image: 'sandbox',
  ...overrides,
});

const DEFS: Def[] = [
  // Pluggy's sandbox connectors (docs/pluggy.md#sandbox-connectors; 1 and 3 as in pluggy-java's tests).
  pluggyBank(0),
  pluggyBank(1, {
    name: 'Pluggy Bank MFA 1-step',
    credentials: [sandboxUser, sandboxPassword, MFA_TOKEN_CREDENTIAL],
    hasMFA: true,
  }),
  pluggyBank(2),
  pluggyBank(3, { name: 'Pluggy Bank MFA 2-step', hasMFA: true }),
  pluggyBank(8, { name: 'Pluggy Bank Business', type: 'BUSINESS_BANK' }),
  {
    id: 600,
    name: 'Sandbox Open Finance',
    color: '1c2b4b',
    url: 'https://openfinancebrasil.org.br',
    type: 'PERSONAL_BANK',
    credentials: [cpf],
    products: ALL_PRODUCTS,
    sandbox: true,
    openFinance: true,
    oauth: true,
    payments: true,
    image: 'sandbox',
  },
  // Direct connections, personal.
  {
    id: 201,
    name: 'Itaú',
    color: 'ec7000',
    url: 'https://www.itau.com.br',
    type: 'PERSONAL_BANK',
    credentials: [agency, account, password(6, 6, 'Senha eletrônica')],
    products: ALL_PRODUCTS,
  },
  {
    id: 202,
    name: 'Bradesco',
    color: 'cc092f',
    url: 'https://banco.bradesco',
    type: 'PERSONAL_BANK',
    credentials: [agency, account, password(4, 4, 'Senha de 4 dígitos')],
    products: ALL_PRODUCTS,
  },
  {
    id: 203,
    name: 'Banco do Brasil',
    color: 'f8d117',
    url: 'https://www.bb.com.br',
    type: 'PERSONAL_BANK',
    credentials: [agency, account, password(8, 8, 'Senha de 8 dígitos')],
    products: ALL_PRODUCTS,
  },
  {
    id: 204,
    name: 'Caixa Econômica Federal',
    color: '005ca9',
    url: 'https://www.caixa.gov.br',
    type: 'PERSONAL_BANK',
    credentials: [user('Usuário Internet Banking'), password(6, 20)],
    products: ALL_PRODUCTS,
  },
  {
    id: 205,
    name: 'Santander',
    color: 'ec0000',
    url: 'https://www.santander.com.br',
    type: 'PERSONAL_BANK',
    credentials: [cpf, password(4, 20)],
    products: ALL_PRODUCTS,
  },
  {
    id: 212,
    name: 'Nubank',
    color: '820ad1',
    url: 'https://nubank.com.br',
    type: 'PERSONAL_BANK',
    credentials: [cpf, password(4, 30)],
    products: ALL_PRODUCTS,
    hasMFA: true,
  },
  {
    id: 215,
    name: 'Banco Inter',
    color: 'ff7a00',
    url: 'https://www.bancointer.com.br',
    type: 'PERSONAL_BANK',
    credentials: [cpf, password(6, 20)],
    products: ALL_PRODUCTS,
    hasMFA: true,
  },
  {
    id: 218,
    name: 'C6 Bank',
    color: '242424',
    url: 'https://www.c6bank.com.br',
    type: 'PERSONAL_BANK',
    credentials: [cpf, password(6, 20)],
    products: ALL_PRODUCTS,
  },
  {
    id: 221,
    name: 'Sicredi',
    color: '33820d',
    url: 'https://www.sicredi.com.br',
    type: 'PERSONAL_BANK',
    credentials: [user('Conta Sicredi'), password(6, 20)],
    products: ALL_PRODUCTS,
  },
  {
    id: 222,
    name: 'Sicoob',
    color: '003641',
    url: 'https://www.sicoob.com.br',
    type: 'PERSONAL_BANK',
    credentials: [cpf, password(6, 20)],
    products: ALL_PRODUCTS,
  },
  {
    id: 224,
    name: 'Mercado Pago',
    color: '00b1ea',
    url: 'https://www.mercadopago.com.br',
    type: 'PAYMENT_ACCOUNT',
    credentials: [user('E-mail'), password(6, 30)],
    products: ['ACCOUNTS', 'TRANSACTIONS', 'PAYMENT_DATA', 'IDENTITY'],
  },
  {
    id: 225,
    name: 'PagBank',
    color: '00a868',
    url: 'https://pagbank.com.br',
    type: 'PAYMENT_ACCOUNT',
    credentials: [cpf, password(6, 20)],
    products: ['ACCOUNTS', 'CREDIT_CARDS', 'TRANSACTIONS', 'PAYMENT_DATA', 'IDENTITY'],
  },
  // Cards.
  {
    id: 231,
    name: 'Porto Bank Cartões',
    color: '0046c0',
    url: 'https://www.portoseguro.com.br/porto-bank',
    type: 'PERSONAL_BANK',
    credentials: [cpf, password(6, 20)],
    products: CARD_PRODUCTS,
  },
  {
    id: 232,
    name: 'Carrefour Cartão',
    color: '1e5bc6',
    url: 'https://www.carrefoursolucoes.com.br',
    type: 'PERSONAL_BANK',
    credentials: [cpf, password(6, 20)],
    products: CARD_PRODUCTS,
  },
  {
    id: 233,
    name: 'Itaucard',
    color: 'ec7000',
    url: 'https://www.itau.com.br/cartoes',
    type: 'PERSONAL_BANK',
    credentials: [cpf, password(6, 6, 'Senha do cartão')],
    products: CARD_PRODUCTS,
    stage: 'BETA',
  },
  // Investments.
  {
    id: 241,
    name: 'XP Investimentos',
    color: 'ffc709',
    url: 'https://www.xpi.com.br',
    type: 'INVESTMENT',
    credentials: [user('Código do cliente'), password(6, 20)],
    products: INVESTMENT_PRODUCTS,
    hasMFA: true,
  },
  {
    id: 242,
    name: 'BTG Pactual Investimentos',
    color: '05132a',
    url: 'https://www.btgpactual.com',
    type: 'INVESTMENT',
    credentials: [cpf, password(8, 20)],
    products: INVESTMENT_PRODUCTS,
  },
  {
    id: 243,
    name: 'Rico Investimentos',
    color: 'ff5a00',
    url: 'https://www.rico.com.vc',
    type: 'INVESTMENT',
    credentials: [cpf, password(6, 20)],
    products: INVESTMENT_PRODUCTS,
  },
  {
    id: 244,
    name: 'Tesouro Direto',
    color: '00427a',
    url: 'https://www.tesourodireto.com.br',
    type: 'INVESTMENT',
    credentials: [cpf, password(8, 20)],
    products: INVESTMENT_PRODUCTS,
  },
  // Direct connections, business.
  {
    id: 251,
    name: 'Itaú Empresas',
    color: 'ec7000',
    url: 'https://www.itau.com.br/empresas',
    type: 'BUSINESS_BANK',
    credentials: [cnpj, user('Código do operador'), password(6, 6)],
    products: ALL_PRODUCTS,
  },
  {
    id: 252,
    name: 'Bradesco Net Empresa',
    color: 'cc092f',
    url: 'https://banco.bradesco/empresas',
    type: 'BUSINESS_BANK',
    credentials: [user('Nome de usuário'), password(8, 8)],
    products: ALL_PRODUCTS,
    hasMFA: true,
  },
  {
    id: 253,
    name: 'Santander Empresas',
    color: 'ec0000',
    url: 'https://www.santander.com.br/empresas',
    type: 'BUSINESS_BANK',
    credentials: [cnpj, user('Usuário'), password(4, 20)],
    products: ALL_PRODUCTS,
  },
  {
    id: 254,
    name: 'Cora',
    color: 'fe3e6d',
    url: 'https://www.cora.com.br',
    type: 'BUSINESS_BANK',
    credentials: [cnpj, user('E-mail'), password(6, 30)],
    products: ['ACCOUNTS', 'CREDIT_CARDS', 'TRANSACTIONS', 'PAYMENT_DATA', 'IDENTITY'],
  },
  // Open Finance (regulated), personal and business.
  ...(
    [
      [601, 'Itaú', 'ec7000', 'https://www.itau.com.br', 'PERSONAL_BANK'],
      [602, 'Banco do Brasil', 'f8d117', 'https://www.bb.com.br', 'PERSONAL_BANK'],
      [603, 'Bradesco', 'cc092f', 'https://banco.bradesco', 'PERSONAL_BANK'],
      [604, 'Caixa Econômica Federal', '005ca9', 'https://www.caixa.gov.br', 'PERSONAL_BANK'],
      [605, 'Santander', 'ec0000', 'https://www.santander.com.br', 'PERSONAL_BANK'],
      [612, 'Nubank', '820ad1', 'https://nubank.com.br', 'PERSONAL_BANK'],
      [615, 'Banco Inter', 'ff7a00', 'https://www.bancointer.com.br', 'PERSONAL_BANK'],
      [631, 'Itaú Empresas', 'ec7000', 'https://www.itau.com.br/empresas', 'BUSINESS_BANK'],
      [633, 'Bradesco Empresas', 'cc092f', 'https://banco.bradesco/empresas', 'BUSINESS_BANK'],
    ] as const
  ).map(
    ([id, name, color, url, type]): Def => ({
      id,
      name,
      color,
      url,
      type,
      credentials: [type === 'BUSINESS_BANK' ? cnpj : cpf],
      products: ALL_PRODUCTS,
      openFinance: true,
      oauth: true,
      payments: true,
    }),
  ),
];

function build(d: Def): Connector {
  const image = d.image ?? String(d.id);
  return {
    id: d.id,
    name: d.name,
    primaryColor: d.color,
    institutionUrl: d.url,
    country: 'BR',
    type: d.type,
    credentials: d.credentials.map((c) => ({ ...c })),
    imageUrl: `https://cdn.pluggy.ai/assets/connector-icons/${image}.svg`,
    hasMFA: d.hasMFA ?? false,
    oauth: d.oauth ?? false,
    health: { status: 'ONLINE', stage: d.stage ?? null },
    products: [...d.products],
    createdAt: CREATED,
    isSandbox: d.sandbox ?? false,
    isOpenFinance: d.openFinance ?? false,
    updatedAt: UPDATED,
    supportsPaymentInitiation: d.payments ?? false,
    supportsScheduledPayments: d.payments ?? false,
    supportsSmartTransfers: false,
    supportsBoletoManagement: false,
    supportsAutomaticPix: d.payments ?? false,
  };
}

/** A fresh, mutable copy of the catalogue (health status changes per sandbox instance). */
export function buildConnectors(): Map<number, Connector> {
  return new Map(DEFS.map((d) => [d.id, build(d)]));
}

/** How a connector logs in, beyond its credential list. */
export type LoginStyle = 'pluggy-bank' | 'mfa-1-step' | 'mfa-2-step' | 'open-finance' | 'institution';

export function loginStyle(c: Connector): LoginStyle {
  if (c.isOpenFinance) return 'open-finance';
  if (c.isSandbox) {
    if (c.id === 1) return 'mfa-1-step';
    if (c.id === 3) return 'mfa-2-step';
    return 'pluggy-bank';
  }
  return c.hasMFA ? 'mfa-2-step' : 'institution';
}
