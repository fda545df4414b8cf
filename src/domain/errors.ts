/**
 * Errors that services throw. They carry a stable `code` and a kind; only src/http/errors.ts
 * turns a kind into an HTTP status, so no service depends on HTTP.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'rate-limited'
  | 'unavailable'
  | 'upstream';

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly kind: ErrorKind,
    /** Stable, machine-readable, kebab-case: clients switch on it. */
    readonly code: string,
    message: string,
    readonly extra?: { retryAfterSeconds?: number; errors?: unknown[] },
  ) {
    super(message);
  }
}
