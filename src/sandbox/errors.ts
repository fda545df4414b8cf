/**
 * Pluggy's error body: `{ code, codeDescription?, message, details?, data?, items? }` where `code`
 * equals the HTTP status (docs/pluggy.md#error-bodies). Auth failures and generic validation 400s carry no
 * codeDescription.
 */
export type ErrorBody = {
  code: number;
  codeDescription?: string;
  message: string;
  details?: { code: string; parameter: string; message: string }[];
  data?: Record<string, unknown>;
  items?: string[];
  errorId?: string;
};

export class PluggyError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

export const notAuthenticated = () =>
  new PluggyError(403, { code: 403, message: 'Missing or invalid authorization token' });

/** A real denial (has a codeDescription, so clients must not renew-and-retry). */
export const forbidden = (message = 'Connect token can not access this resource') =>
  // (unverified) Pluggy's exact codeDescription for a connect token on a product endpoint.
  new PluggyError(403, { code: 403, codeDescription: 'FORBIDDEN_FOR_CONNECT_TOKEN', message });

/** Generic validation failure: comma-joined messages, no codeDescription (docs/pluggy.md#error-bodies). */
export const invalid = (...messages: string[]) =>
  new PluggyError(400, { code: 400, message: messages.join(',') });

export const badRequest = (codeDescription: string, message: string, extra: Partial<ErrorBody> = {}) =>
  new PluggyError(400, { code: 400, codeDescription, message, ...extra });

export const notFound = (codeDescription: string, message: string) =>
  new PluggyError(404, { code: 404, codeDescription, message });

export const itemNotFound = () => notFound('ITEM_NOT_FOUND', 'item not found');

export const internalError = () =>
  new PluggyError(500, {
    code: 500,
    codeDescription: 'INTERNAL_SERVER_ERROR',
    message: 'Internal Server Error',
  });

/** Default body for a status injected by a fault rule. */
export function defaultFaultBody(status: number): ErrorBody {
  if (status === 429)
    return {
      code: 429,
      message: 'Too many requests. Please try again later (see Retry-After header in seconds)',
    };
  if (status === 403) return { code: 403, message: 'Missing or invalid authorization token' };
  if (status === 503)
    return { code: 503, codeDescription: 'SERVICE_UNAVAILABLE', message: 'Service temporarily unavailable' };
  if (status >= 500)
    return { code: status, codeDescription: 'INTERNAL_SERVER_ERROR', message: 'Internal Server Error' };
  return { code: status, message: `Injected fault ${status}` };
}
