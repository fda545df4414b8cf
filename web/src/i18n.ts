/** The page's words. Portuguese by default (the people it serves), English by choice (?lang=en or the toggle). */
export type Lang = 'pt' | 'en';

const pt = {
  title: 'Conecte sua conta',
  switchTo: 'English',
  switchToLabel: 'Switch to English',
  loading: 'Preparando a conexão segura…',
  noLink: 'Abra esta página pelo link que você recebeu no WhatsApp.',
  expired: 'Este link expirou. Peça um novo link no WhatsApp.',
  tampered: 'Este link não é válido (foi alterado ou está incompleto). Use o link exatamente como recebeu.',
  otherLink: 'Este link não pode mais ser usado. Peça um novo link no WhatsApp.',
  tokenFailed: 'Não conseguimos iniciar a conexão agora. Tente de novo em instantes.',
  rateLimited: 'Muitas tentativas seguidas. Aguarde um minuto e tente de novo.',
  retry: 'Tentar de novo',
  reopen: 'Abrir de novo',
  openingConnect: 'Abrindo a janela de conexão da Pluggy…',
  connectOpen: 'Siga os passos na janela da Pluggy.',
  loadTimeout: 'A janela de conexão não carregou. Verifique sua internet e tente de novo.',
  loadFailed: 'A janela de conexão não pôde ser aberta.',
  closed: 'Você fechou a janela antes de terminar. Nada foi conectado.',
  connectError: 'A conexão falhou',
  wrongCredentials: 'Usuário, senha ou código incorretos. Confira e tente de novo.',
  consentDenied: 'A autorização não foi concedida no seu banco, então nada foi conectado.',
  userAction: 'Aprove o acesso no aplicativo do seu banco para continuar.',
  oauth: 'Conclua a autorização na página do seu banco.',
  selected: (name: string) => `Conectando com ${name}…`,
  submitted: 'Verificando seus dados…',
  loggedIn: 'Login feito. Buscando suas contas…',
  reportFailed: 'A conta foi conectada, mas não conseguimos registrá-la. Tente de novo.',
  syncing: 'Conectado! Importando suas contas e transações…',
  syncFailed: 'Conectado, mas a importação falhou. Tentaremos de novo automaticamente.',
  updateMode: 'Vamos reconectar sua conta.',
  done: 'Pronto! Sua conta está conectada.',
  accounts: 'Contas conectadas',
  balance: 'Saldo',
  limit: 'Limite',
  available: 'Disponível',
  noAccounts: 'Nenhuma conta encontrada nesta conexão.',
  spendingTitle: 'Gastos dos últimos 30 dias por categoria',
  noSpending: 'Nenhum gasto nos últimos 30 dias.',
  uncategorized: 'Sem categoria',
  backToWhatsApp: 'Voltar para o WhatsApp',
  locale: 'pt-BR',
};

export type Messages = typeof pt;

const en: Messages = {
  title: 'Connect your account',
  switchTo: 'Português',
  switchToLabel: 'Mudar para português',
  loading: 'Preparing a secure connection…',
  noLink: 'Open this page from the link you received on WhatsApp.',
  expired: 'This link has expired. Ask for a new one on WhatsApp.',
  tampered:
    'This link is not valid (it was altered or is incomplete). Use the link exactly as you received it.',
  otherLink: 'This link can no longer be used. Ask for a new one on WhatsApp.',
  tokenFailed: 'We could not start the connection right now. Please try again in a moment.',
  rateLimited: 'Too many attempts in a row. Wait a minute and try again.',
  retry: 'Try again',
  reopen: 'Open again',
  openingConnect: "Opening Pluggy's connection window…",
  connectOpen: "Follow the steps in Pluggy's window.",
  loadTimeout: 'The connection window did not load. Check your internet connection and try again.',
  loadFailed: 'The connection window could not be opened.',
  closed: 'You closed the window before finishing. Nothing was connected.',
  connectError: 'The connection failed',
  wrongCredentials: 'Wrong user, password or code. Check them and try again.',
  consentDenied: 'Access was not authorised at your bank, so nothing was connected.',
  userAction: "Approve the access in your bank's app to continue.",
  oauth: "Finish the authorisation on your bank's page.",
  selected: (name: string) => `Connecting to ${name}…`,
  submitted: 'Checking your details…',
  loggedIn: 'Logged in. Fetching your accounts…',
  reportFailed: 'Your account was connected, but we could not record it. Please try again.',
  syncing: 'Connected! Importing your accounts and transactions…',
  syncFailed: 'Connected, but the import failed. It will be retried automatically.',
  updateMode: "Let's reconnect your account.",
  done: 'Done! Your account is connected.',
  accounts: 'Connected accounts',
  balance: 'Balance',
  limit: 'Limit',
  available: 'Available',
  noAccounts: 'No accounts were found in this connection.',
  spendingTitle: 'Spending in the last 30 days by category',
  noSpending: 'No spending in the last 30 days.',
  uncategorized: 'Uncategorised',
  backToWhatsApp: 'Back to WhatsApp',
  locale: 'en-GB',
};

export const MESSAGES: Record<Lang, Messages> = { pt, en };

export function langFromUrl(search: string): Lang {
  return new URLSearchParams(search).get('lang') === 'en' ? 'en' : 'pt';
}

/** Decimal string → localised currency text, without passing the amount through a float sum. */
export function formatMoney(amount: string, currency: string | null, locale: string): string {
  // Intl formats a numeric string exactly (no float rounding) where the engine supports it.
  const value = amount as unknown as number;
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: currency ?? 'BRL' }).format(value);
  } catch {
    return `${currency ?? ''} ${amount}`.trim();
  }
}
