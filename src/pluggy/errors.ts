/**
 * The one error type our Pluggy client throws. `code` is what callers switch on; the rest is for
 * logs and for deciding what to tell a user. Nothing here may ever carry the client secret, an API
 * key or a connect token: every string passes through a redactor before it is stored.
 */
export type PluggyErrorCode =
  | 'auth'
  | 'rate-limited'
  | 'not-found'
  | 'invalid-request'
  | 'unavailable'
  | 'contract-mismatch';

export type PluggyErrorInit = {
  code: PluggyErrorCode;
  message: string;
  method: string;
  path: string;
  status?: number;
  pluggyCode?: string;
  pluggyMessage?: string;
  retryAfterMs?: number;
  details?: unknown[];
  /** Physical HTTP attempts made for the call that failed (re-auth and retries included). */
  attempts?: number;
};

export class PluggyError extends Error {
  override name = 'PluggyError';
  readonly code: PluggyErrorCode;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  /** Pluggy's stable `codeDescription` (e.g. ITEM_NOT_FOUND), when the body had one. */
  readonly pluggyCode?: string;
  readonly pluggyMessage?: string;
  readonly retryAfterMs?: number;
  /** Pluggy's `details` array (parameter validation), as sent. */
  readonly details?: unknown[];
  readonly attempts?: number;

  constructor(init: PluggyErrorInit) {
    super(init.message);
    this.code = init.code;
    this.method = init.method;
    this.path = init.path;
    // Assigned only when present so JSON.stringify / inspect output stays small and honest.
    if (init.status !== undefined) this.status = init.status;
    if (init.pluggyCode !== undefined) this.pluggyCode = init.pluggyCode;
    if (init.pluggyMessage !== undefined) this.pluggyMessage = init.pluggyMessage;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.details !== undefined) this.details = init.details;
    if (init.attempts !== undefined) this.attempts = init.attempts;
  }
}

/** See docs/pluggy.md#error-bodies, #lists-and-pagination: which HTTP statuses mean what for a caller. */
export function codeForStatus(status: number): PluggyErrorCode {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'unavailable';
  // 400, 405, 406, 409, 410 (ENDPOINT_DEPRECATED), 422 and anything else in 4xx: our request was wrong.
  return 'invalid-request';
}

// Any JWT or piece of one (API keys and connect tokens both are, docs/pluggy.md#auth-and-api-keys,
// #connect-tokens), even one we never saw: a base64url JSON object starts with "eyJ".
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}/g;
const REDACTED = '[redacted]';

export type Redactor = {
  text(value: string): string;
  deep<T>(value: T): T;
};

/**
 * Replaces known secrets (the client secret, every API key this client received, what a request
 * sent) that are at least `minLength` long, and anything JWT-shaped. Pluggy interpolates values
 * into `message` (docs/pluggy.md#error-bodies), so an error body is not trusted to be secret-free.
 */
export function createRedactor(secrets: () => Iterable<string>, minLength = 6): Redactor {
  const text = (value: string): string => {
    let out = value.replace(JWT_PATTERN, REDACTED);
    // Very short strings would shred ordinary text; real secrets and keys are long. Longest first,
    // so a secret that contains another (a URL with a token in it) is blanked whole.
    const known = [...secrets()].filter((s) => s.length >= minLength).sort((a, b) => b.length - a.length);
    for (const secret of known) out = out.split(secret).join(REDACTED);
    return out;
  };
  const deep = <T>(value: T): T => {
    if (typeof value === 'string') return text(value) as T;
    if (Array.isArray(value)) return value.map(deep) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v)])) as T;
    }
    return value;
  };
  return { text, deep };
}
