import type { Logger } from 'pino';
import type { z } from 'zod';
import { createApiKeyCache } from './apiKey.ts';
import {
  codeForStatus,
  createRedactor,
  PluggyError,
  type PluggyErrorCode,
  type PluggyErrorInit,
} from './errors.ts';
import { type RateBudget, type RateGate, rateBudgetOf, rateScopeOf } from './rateGate.ts';
import { fullJitterDelay, parseRetryAfter, sleepAtLeast } from './retryPolicy.ts';
import { AuthResponseSchema } from './schemas.ts';

/**
 * The one request sender (stripe-node's RequestSender model): authentication, timeouts, retries,
 * error mapping and response validation all live here; resources only describe requests.
 */

export type SenderOptions = {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  maxAttempts: number;
  maxRetryTimeMs: number;
  retryBaseDelayMs: number;
  maxRetryAfterMs: number;
  apiKeyRefreshMarginMs: number;
  logger?: Logger;
  fetch: typeof fetch;
  /** Shared rate budget every send passes first (rateGate.ts); none = no gate (CLI, tests). */
  rateGate?: RateGate;
  /** Budget per scope; default Pluggy's documented limits (rateBudgetOf). */
  rateBudgetOf?: (scope: string) => RateBudget;
};

export type QueryValue = string | number | boolean | readonly string[] | undefined | null;

export type RequestSpec = {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /**
   * Safe to send again after an ambiguous failure (timeout, reset, 5xx), i.e. when Pluggy may
   * already have acted. Defaults to every method but POST. Creates (items, connect tokens,
   * webhooks) and MFA answers are not: a second POST /items makes a second connection.
   */
  idempotent?: boolean;
  /**
   * Values this request sends that must never appear in an error: bank credentials, webhook header
   * values and URLs. Pluggy interpolates what it was sent into `message` and `details`
   * (docs/pluggy.md#error-bodies), so `fail()` blanks these too. Strings shorter than 4 characters are
   * ignored (they would shred ordinary words).
   */
  secrets?: readonly string[];
  /**
   * Called with the time of a 2xx answer by Pluggy's own clock (its `Date` header, whole seconds),
   * when the answer carries a valid one. A sync uses it to bound what a listing saw by the clock
   * that stamps `createdAt` (docs/pluggy.md#watermark-by-pluggys-clock).
   */
  onServerDate?: (pluggyTime: Date) => void;
};

/** RequestSpec.secrets from loose values: strings as they are, records by their values; absent skipped. */
export function secretsOf(
  ...values: (string | Readonly<Record<string, string>> | null | undefined)[]
): string[] {
  return values.flatMap((v) => (typeof v === 'string' ? [v] : v ? Object.values(v) : []));
}

export type RequestSender = {
  /** Sends, then validates a 2xx body against `schema` (mismatch → 'contract-mismatch'). */
  request<S extends z.ZodType>(spec: RequestSpec, schema: S): Promise<z.infer<S>>;
  /** Sends and ignores the 2xx body (DELETE answers `{count}` or an unverified body). */
  requestVoid(spec: RequestSpec): Promise<void>;
};

type Outcome =
  | { kind: 'response'; status: number; headers: Headers; text: string }
  | { kind: 'network'; reason: string; reachedServer: boolean }
  | { kind: 'redirect' };

/** Request secrets shorter than this are left alone: a 2-letter value would blank common words. */
const MIN_REQUEST_SECRET_LENGTH = 4;

// Failures raised while connecting: the request never left this machine, so even a create may be
// sent again. Anything later (reset, "other side closed", timeout) is ambiguous.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function createRequestSender(opts: SenderOptions): RequestSender {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  // Every key we were given, for redaction; old ones may still be echoed back in a late error.
  const issuedKeys: string[] = [];
  // Plus, per failure, what that request sent (RequestSpec.secrets). Ours are long; a sent value
  // (a PIN, an MFA code) may be short, hence the lower threshold.
  const redactorFor = (spec: Pick<RequestSpec, 'secrets'>) =>
    createRedactor(
      () => [
        opts.clientSecret,
        ...issuedKeys,
        // Typed as strings, but parameters come from callers' JSON: skip anything else.
        ...(spec.secrets ?? []).filter((s) => typeof s === 'string'),
      ],
      MIN_REQUEST_SECRET_LENGTH,
    );

  const apiKeys = createApiKeyCache({
    refreshMarginMs: opts.apiKeyRefreshMarginMs,
    fetchKey: async () => {
      let body: unknown;
      try {
        body = await execute(
          {
            method: 'POST',
            path: '/auth',
            body: { clientId: opts.clientId, clientSecret: opts.clientSecret, nonExpiring: false },
            // Issuing a key changes nothing at Pluggy, so /auth is retried like a read.
            idempotent: true,
          },
          false,
        );
      } catch (err) {
        if (err instanceof PluggyError && err.code === 'auth') throw credentialsRefused(err);
        throw err;
      }
      const { apiKey } = validate({ method: 'POST', path: '/auth' }, body, AuthResponseSchema);
      issuedKeys.push(apiKey);
      if (issuedKeys.length > 8) issuedKeys.shift();
      return apiKey;
    },
  });

  /**
   * /auth refused our client id/secret: no retry will fix that, so say which settings to check.
   * Pluggy's own text stays in `pluggyMessage`; the message is ours.
   */
  function credentialsRefused(err: PluggyError): PluggyError {
    const { code, method, path, status, pluggyCode, pluggyMessage, details, attempts } = err;
    const answer = [status, pluggyCode].filter((v) => v !== undefined).join(' ');
    return new PluggyError(
      redactorFor({}).deep({
        code,
        method,
        path,
        status,
        pluggyCode,
        pluggyMessage,
        details,
        attempts,
        message:
          `Pluggy refused the client id/secret${answer ? ` (${answer})` : ''}: ` +
          'check PLUGGY_CLIENT_ID and PLUGGY_CLIENT_SECRET (and PLUGGY_BASE_URL)',
      }),
    );
  }

  function fail(
    spec: Pick<RequestSpec, 'method' | 'path' | 'secrets'>,
    code: PluggyErrorCode,
    message: string,
    extra: Omit<PluggyErrorInit, 'code' | 'message' | 'method' | 'path'> = {},
  ): PluggyError {
    // Everything that came from the wire passes the redactor: Pluggy interpolates values, our
    // credentials and keys as well as what this request sent.
    return new PluggyError(
      redactorFor(spec).deep({
        ...extra,
        code,
        method: spec.method,
        path: spec.path,
        message: `Pluggy ${spec.method} ${spec.path}: ${message}`,
      }),
    );
  }

  function validate<S extends z.ZodType>(
    spec: Pick<RequestSpec, 'method' | 'path' | 'secrets'>,
    body: unknown,
    schema: S,
  ): z.infer<S> {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    // Name the failing field paths and zod's reason only: values may be tokens or personal data.
    const issues = parsed.error.issues.slice(0, 5).map((i) => {
      const at = i.path.length ? i.path.map(String).join('.') : '(root)';
      return `${at}: ${i.message}`;
    });
    const more = parsed.error.issues.length > 5 ? ` (+${parsed.error.issues.length - 5} more)` : '';
    throw fail(
      spec,
      'contract-mismatch',
      `response does not match the contract at ${issues.join('; ')}${more}`,
    );
  }

  function buildUrl(spec: RequestSpec): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value === undefined || value === null) continue;
      // Arrays are one comma-joined parameter (docs/pluggy.md#conventions, OAS style form, explode false).
      params.set(name, Array.isArray(value) ? value.join(',') : String(value));
    }
    const qs = params.toString();
    return `${baseUrl}${spec.path}${qs ? `?${qs}` : ''}`;
  }

  const budgetOf = opts.rateBudgetOf ?? rateBudgetOf;

  /**
   * Waits for the shared budget of the request's scope. A wait longer than one call may sleep
   * (maxRetryAfterMs, or the call's retry budget) ends the call with 'rate-limited' and the wait
   * in retryAfterMs, so a job steps aside instead of holding a worker — exactly as for Pluggy's
   * own 429.
   */
  async function passGate(spec: RequestSpec, started: number, attempts: number): Promise<void> {
    const gate = opts.rateGate;
    if (!gate) return;
    const scope = rateScopeOf(spec.method, spec.path);
    const budget = budgetOf(scope);
    for (;;) {
      const waitMs = await gate.take(scope, budget);
      if (waitMs <= 0) return;
      if (waitMs > opts.maxRetryAfterMs || performance.now() - started + waitMs > opts.maxRetryTimeMs) {
        throw fail(
          spec,
          'rate-limited',
          `shared rate budget of ${scope} spent; next request in ${waitMs} ms`,
          {
            attempts,
            retryAfterMs: waitMs,
          },
        );
      }
      await sleepAtLeast(waitMs);
    }
  }

  /** A 429 closes the scope for every caller sharing the gate, not only this one. */
  async function pauseScope(spec: RequestSpec, ms: number): Promise<void> {
    const gate = opts.rateGate;
    if (!gate) return;
    const scope = rateScopeOf(spec.method, spec.path);
    await gate.pause(scope, ms, budgetOf(scope)).catch((err: Error) => {
      // The 429 itself is what the caller must see; a failed pause only costs other callers a 429.
      opts.logger?.warn({ scope, err: { message: err.message } }, 'could not record Pluggy rate-limit pause');
    });
  }

  async function attemptOnce(spec: RequestSpec, apiKey: string | undefined): Promise<Outcome> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (apiKey !== undefined) headers['x-api-key'] = apiKey;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await opts.fetch(buildUrl(spec), {
        method: spec.method,
        headers,
        ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
        // Covers the body read too: a server that stalls mid-body is a timeout like any other.
        signal: AbortSignal.timeout(opts.timeoutMs),
        // Pluggy never redirects (every success is a 200). Following one would carry X-API-KEY,
        // or the client secret in the /auth body, to whatever host the Location names.
        redirect: 'error',
      });
      const text = await res.text();
      return { kind: 'response', status: res.status, headers: res.headers, text };
    } catch (err) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
        return { kind: 'network', reason: `timed out after ${opts.timeoutMs} ms`, reachedServer: true };
      }
      if (isRedirectRefusal(err)) return { kind: 'redirect' };
      const code = networkCode(err);
      return {
        kind: 'network',
        reason: `network error (${code ?? 'unknown'})`,
        reachedServer: !(code && NOT_SENT_CODES.has(code)),
      };
    }
  }

  /** Runs the retry/re-auth loop; returns the parsed JSON of a 2xx (undefined when empty). */
  async function execute(spec: RequestSpec, authenticated: boolean, readBody = true): Promise<unknown> {
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    const started = performance.now();
    let attempts = 0; // physical sends, for logs and errors
    let transientFailures = 0; // sends that failed in a retryable way; bounded by maxAttempts
    let reauthenticated = false;
    let ambiguousEarlier = false;

    /** Waits `waitMs` and returns true if the budget allows another attempt. */
    const mayRetry = async (waitMs: number): Promise<boolean> => {
      if (transientFailures >= opts.maxAttempts) return false;
      if (performance.now() - started + waitMs > opts.maxRetryTimeMs) return false;
      await sleepAtLeast(waitMs);
      return true;
    };

    for (;;) {
      const apiKey = authenticated ? await apiKeys.get() : undefined;
      await passGate(spec, started, attempts);
      attempts += 1;
      const t0 = performance.now();
      const outcome = await attemptOnce(spec, apiKey);
      opts.logger?.debug(
        {
          method: spec.method,
          path: spec.path,
          status: outcome.kind === 'response' ? outcome.status : undefined,
          ...(outcome.kind === 'network' ? { failure: outcome.reason } : {}),
          ...(outcome.kind === 'redirect' ? { failure: 'redirect refused' } : {}),
          ms: Math.round(performance.now() - t0),
          attempt: attempts,
        },
        'pluggy request',
      );

      if (outcome.kind === 'redirect') {
        // 'contract-mismatch', not 'unavailable': Pluggy never answers 3xx, so a redirect means a
        // wrong PLUGGY_BASE_URL (http→https, a proxy or login page) or a changed API. Waiting does
        // not fix either, so it is neither retried here nor worth a later retry by the caller.
        throw fail(spec, 'contract-mismatch', `answered with a redirect, which is not followed`, {
          attempts,
        });
      }

      if (outcome.kind === 'network') {
        transientFailures += 1;
        const sendAgain = idempotent || !outcome.reachedServer;
        if (sendAgain && (await mayRetry(fullJitterDelay(transientFailures, opts.retryBaseDelayMs)))) {
          ambiguousEarlier ||= outcome.reachedServer;
          continue;
        }
        throw fail(spec, 'unavailable', `${outcome.reason} (${attempts} attempt(s))`, { attempts });
      }

      const { status, headers, text } = outcome;
      if (status >= 200 && status < 300) {
        if (spec.onServerDate) {
          const date = Date.parse(headers.get('date') ?? '');
          if (Number.isFinite(date)) spec.onServerDate(new Date(date));
        }
        if (!readBody || text.trim() === '') return undefined;
        try {
          return JSON.parse(text);
        } catch {
          throw fail(spec, 'contract-mismatch', `${status} with a body that is not JSON`, {
            status,
            attempts,
          });
        }
      }

      const errorBody = parseErrorBody(text);
      const pluggyCode = errorBody.codeDescription;
      const extra = {
        status,
        attempts,
        ...(pluggyCode !== undefined ? { pluggyCode } : {}),
        ...(errorBody.message !== undefined ? { pluggyMessage: errorBody.message } : {}),
        ...(errorBody.details !== undefined ? { details: errorBody.details } : {}),
      };
      const describe = `${status}${pluggyCode ? ` ${pluggyCode}` : ''}${errorBody.message ? `: ${errorBody.message}` : ''}`;

      // An expired or bad key answers 403 without codeDescription (docs/pluggy.md#auth-and-api-keys, OAS
      // NotAuthenticatedResponse); the generic docs say 401. Both mean "renew the key", once.
      // Safe for creates too: Pluggy refused the request before acting on it.
      const keyRefused = status === 401 || (status === 403 && pluggyCode === undefined);
      if (authenticated && apiKey !== undefined && keyRefused && !reauthenticated) {
        reauthenticated = true;
        apiKeys.invalidate(apiKey);
        continue;
      }

      if (status === 429) {
        // Pluggy always answers 429 with Retry-After: 60 (docs/pluggy.md#rate-limits). Waiting less than
        // asked only earns another 429, so a wait beyond our cap or budget ends the call at once and
        // hands the server's figure to the caller (a queue can reschedule the job).
        const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
        await pauseScope(spec, retryAfterMs ?? 60_000);
        const rateLimited = () =>
          fail(spec, 'rate-limited', describe, {
            ...extra,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          });
        transientFailures += 1;
        if (retryAfterMs !== undefined && retryAfterMs > opts.maxRetryAfterMs) throw rateLimited();
        const wait = retryAfterMs ?? fullJitterDelay(transientFailures, opts.retryBaseDelayMs);
        // A 429 is a refusal before any work, so creates are retried too.
        if (await mayRetry(wait)) continue;
        throw rateLimited();
      }

      if (status >= 500) {
        transientFailures += 1;
        if (idempotent && (await mayRetry(fullJitterDelay(transientFailures, opts.retryBaseDelayMs)))) {
          ambiguousEarlier = true;
          continue;
        }
        throw fail(spec, 'unavailable', describe, extra);
      }

      // A DELETE whose earlier attempt may have landed finds the thing gone: that is the success
      // the caller asked for, not a not-found.
      if (status === 404 && spec.method === 'DELETE' && ambiguousEarlier) return undefined;

      throw fail(spec, codeForStatus(status), describe, extra);
    }
  }

  return {
    async request(spec, schema) {
      const body = await execute(spec, true);
      return validate(spec, body, schema);
    },
    async requestVoid(spec) {
      await execute(spec, true, false);
    },
  };
}

type ErrorBody = { message?: string; codeDescription?: string; details?: unknown[] };

/**
 * Pluggy's error body (docs/pluggy.md#error-bodies), read field by field: a malformed or partial body (a
 * proxy's HTML page, a non-string message) must not hide the status or the fields that are there.
 */
function parseErrorBody(text: string): ErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {};
  }
  if (!body || typeof body !== 'object') return {};
  const { message, codeDescription, details } = body as Record<string, unknown>;
  return {
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof codeDescription === 'string' ? { codeDescription } : {}),
    ...(Array.isArray(details) ? { details } : {}),
  };
}

/** fetch with `redirect: 'error'` rejects a 3xx as TypeError('fetch failed', { cause: 'unexpected redirect' }). */
function isRedirectRefusal(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined;
  return cause instanceof Error && /redirect/i.test(cause.message);
}

function networkCode(err: unknown): string | undefined {
  // fetch wraps the socket error: TypeError('fetch failed', { cause: Error{ code } }).
  const cause = err instanceof Error ? (err.cause ?? err) : err;
  if (cause && typeof cause === 'object') {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const inner = (cause as { errors?: unknown[] }).errors?.[0];
    if (inner && typeof inner === 'object' && typeof (inner as { code?: unknown }).code === 'string') {
      return (inner as { code: string }).code;
    }
  }
  return undefined;
}
