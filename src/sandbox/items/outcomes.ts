/**
 * What a login attempt leads to, decided by the credentials (docs/pluggy.md#sandbox-credentials,
 * #open-finance-sandbox): Pluggy Bank connectors: password `password-ok`, MFA `123456`, the username picks
 * the outcome. Open Finance connectors: any CPF/CNPJ succeeds except the documented "rejected" CPF.
 * Other (real-institution) connectors: any credentials that pass validation succeed, so `npm start`
 * offline can connect any bank in the list; their MFA, when they have one, is `123456` too.
 */
import { type LoginStyle, loginStyle } from '../world/connectors.ts';
import type { Connector, ItemStatus } from '../types.ts';

export const SANDBOX_PASSWORD = 'password-ok';
export const SANDBOX_MFA = '123456';
/**
 * Open Finance sandbox CPF whose multi-approval consent is rejected (docs/pluggy.md#open-finance-sandbox).
 */
const REJECTED_CPF = '05117767055';
/**
 * Open Finance sandbox CPF whose multi-approval consent is approved (docs/pluggy.md#open-finance-sandbox).
 */
const APPROVED_MULTI_CPF = '23824264030';

/** The CPF/CNPJ an Open Finance item logs in with, digits only. */
export const openFinanceDocument = (params: Record<string, string>): string =>
  (params.cpf ?? params.cnpj ?? '').replace(/\D/g, '');

/** A multiple-approval ("múltipla alçada") document: other approvers decide after the user. */
export const needsMultipleApproval = (params: Record<string, string>): boolean =>
  [REJECTED_CPF, APPROVED_MULTI_CPF].includes(openFinanceDocument(params));

export type Success = {
  kind: 'success';
  checkingAccounts?: number;
  volumeMultiplier?: number;
  skipBankAccounts?: boolean;
  warning?: boolean;
  /** The login needs an out-of-band approval first (WAITING_USER_ACTION). */
  userAction?: boolean;
};
export type Failure = {
  kind: 'failure';
  status: Extract<ItemStatus, 'LOGIN_ERROR' | 'OUTDATED'>;
  code: string;
  message: string;
  providerMessage?: string;
  attributes?: Record<string, string>;
};
export type Outcome = Success | Failure;

const FAILURES: Record<string, Omit<Failure, 'kind'>> = {
  INVALID_CREDENTIALS: { status: 'LOGIN_ERROR', code: 'INVALID_CREDENTIALS', message: 'Invalid credentials' },
  INVALID_CREDENTIALS_MFA: {
    status: 'LOGIN_ERROR',
    code: 'INVALID_CREDENTIALS_MFA',
    message: 'Invalid MFA token, please try again',
  },
  ACCOUNT_LOCKED: {
    status: 'LOGIN_ERROR',
    code: 'ACCOUNT_LOCKED',
    message: 'The account is locked at the institution',
  },
  ACCOUNT_CREDENTIALS_RESET: {
    status: 'LOGIN_ERROR',
    code: 'ACCOUNT_CREDENTIALS_RESET',
    message: 'The credentials must be reset at the institution',
  },
  ACCOUNT_NEEDS_ACTION: {
    status: 'LOGIN_ERROR',
    code: 'ACCOUNT_NEEDS_ACTION',
    message: 'The account needs an action from the user at the institution',
  },
  USER_NOT_SUPPORTED: {
    status: 'LOGIN_ERROR',
    code: 'USER_NOT_SUPPORTED',
    message: 'This type of user is not supported',
  },
  USER_AUTHORIZATION_NOT_GRANTED: {
    status: 'LOGIN_ERROR',
    code: 'USER_AUTHORIZATION_NOT_GRANTED',
    message: 'The user did not grant the authorization',
  },
  ALREADY_LOGGED_IN: {
    status: 'OUTDATED',
    code: 'ALREADY_LOGGED_IN',
    message: 'The user is already logged in at the institution',
  },
  UNEXPECTED_ERROR: { status: 'OUTDATED', code: 'UNEXPECTED_ERROR', message: 'An unexpected error occurred' },
  SITE_NOT_AVAILABLE: {
    status: 'OUTDATED',
    code: 'SITE_NOT_AVAILABLE',
    message: 'The institution is not available at the moment',
  },
  CONNECTION_ERROR: {
    status: 'OUTDATED',
    code: 'CONNECTION_ERROR',
    message: 'Connection error with the institution',
  },
  // (unverified) item status for a pending authorization and for an unanswered MFA: OUTDATED
  // (docs/pluggy.md#execution-lifecycle).
  USER_AUTHORIZATION_PENDING: {
    status: 'OUTDATED',
    code: 'USER_AUTHORIZATION_PENDING',
    message: 'The access must be authorized by the user at the institution',
    providerMessage: 'Autorize o acesso no aplicativo do banco e tente novamente.',
    attributes: { authorizationChannel: 'APP' },
  },
  // (unverified) an out-of-band approval never given: OUTDATED / USER_AUTHORIZATION_PENDING.
  USER_ACTION_TIMEOUT: {
    status: 'OUTDATED',
    code: 'USER_AUTHORIZATION_PENDING',
    message: 'The access was not authorized at the institution in time',
  },
  USER_INPUT_TIMEOUT: {
    status: 'OUTDATED',
    code: 'USER_INPUT_TIMEOUT',
    message: 'The requested user input expired',
  },
};

export function failure(code: keyof typeof FAILURES | string, extra: Partial<Failure> = {}): Failure {
  const base = FAILURES[code] ?? FAILURES.UNEXPECTED_ERROR!;
  return { kind: 'failure', ...base, ...extra };
}

/** Username → outcome for Pluggy Bank (docs/pluggy.md#sandbox-credentials). */
function pluggyBankOutcome(user: string): Outcome {
  switch (user) {
    case 'user-ok':
      return { kind: 'success' };
    case 'user-ok-two-checking-accounts':
      return { kind: 'success', checkingAccounts: 2 };
    case 'user-ok-account-error':
      return { kind: 'success', skipBankAccounts: true };
    case 'user-ok-account-warning':
      return { kind: 'success', warning: true };
    // The sandbox's own username (Pluggy documents none): approve the access out of band first.
    case 'user-ok-user-action':
      return { kind: 'success', userAction: true };
    case 'user-logged':
      return failure('ALREADY_LOGGED_IN');
    case 'user-locked':
      return failure('ACCOUNT_LOCKED');
    case 'user-error':
      return failure('UNEXPECTED_ERROR');
    case 'user-unavailable':
      return failure('SITE_NOT_AVAILABLE');
    case 'user-account-need-actions':
      return failure('ACCOUNT_NEEDS_ACTION');
    case 'user-account-need-actions-provider-message':
      return failure('ACCOUNT_NEEDS_ACTION', {
        providerMessage: 'Acesse o internet banking e aceite os novos termos de uso para continuar.',
      });
    case 'user-connection-error':
      return failure('CONNECTION_ERROR');
    case 'user-account-credentials-reset':
      return failure('ACCOUNT_CREDENTIALS_RESET');
    case 'user-not-supported':
      return failure('USER_NOT_SUPPORTED');
    case 'user-ok-auth-pending':
      return failure('USER_AUTHORIZATION_PENDING');
  }
  // user-ok-perf-{x} (docs) or user-ok-perf-{x}x (integrators): volume × x, capped at 5000.
  const perf = /^user-ok-perf-(\d+)x?$/.exec(user);
  if (perf) return { kind: 'success', volumeMultiplier: Math.min(5000, Math.max(1, Number(perf[1]))) };
  return failure('INVALID_CREDENTIALS');
}

/**
 * The outcome of logging in with `params`. MFA answers are checked separately by the execution
 * (1-step: `token` sent with the credentials; 2-step: answered through POST /items/{id}/mfa).
 */
export function loginOutcome(connector: Connector, params: Record<string, string>): Outcome {
  const style: LoginStyle = loginStyle(connector);
  if (style === 'open-finance') {
    const doc = openFinanceDocument(params);
    return doc === REJECTED_CPF ? failure('USER_AUTHORIZATION_NOT_GRANTED') : { kind: 'success' };
  }
  if (style === 'institution' || (style === 'mfa-2-step' && !connector.isSandbox)) return { kind: 'success' };
  if (params.password !== SANDBOX_PASSWORD) return failure('INVALID_CREDENTIALS');
  return pluggyBankOutcome(params.user ?? '');
}
