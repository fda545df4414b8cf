/** The service's link-authenticated calls (src/http/routes/connect.ts). The link is the only credential. */

export type Session = {
  connectToken: string;
  mode: 'create' | 'update';
  itemId?: string;
  includeSandbox: boolean;
  /** Local mode only: the sandbox's stand-in for Pluggy's hosted widget. */
  widgetUrl?: string;
};

export type Account = {
  id: string;
  itemId: string;
  type: string;
  subtype: string | null;
  name: string | null;
  marketingName: string | null;
  number: string | null;
  balance: string | null;
  currencyCode: string | null;
  creditLimit: string | null;
  availableCreditLimit: string | null;
};

export type Item = {
  id: string;
  institution: { connectorId: number | null; name: string | null };
  status: string | null;
  executionStatus: string | null;
  needsReconnect: boolean;
  lastSuccessfulSyncAt: string | null;
  syncRunning: boolean;
  accounts: Account[];
};

export type Spending = {
  from: string;
  to: string;
  currencyCode: string;
  total: string;
  categories: Array<{ categoryId: string; category: string; total: string }>;
};

export type Progress = { mode: 'create' | 'update'; items: Item[]; spending: Spending };

/** A refusal from the API: its problem+json `code` (link-expired, link-tampered, …) and HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`${status} ${code}`);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { code?: string };
    throw new ApiError(res.status, problem.code ?? 'unknown');
  }
  return (await res.json()) as T;
}

export const openSession = (link: string) => call<Session>('POST', '/v1/connect/session', { link });
export const reportItem = (link: string, itemId: string) =>
  call<{ itemId: string; status: string }>('POST', '/v1/connect/items', { link, itemId });
export const getProgress = (link: string, lang: string) =>
  call<Progress>('GET', `/v1/connect/progress?link=${encodeURIComponent(link)}&lang=${lang}`);
