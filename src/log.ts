import { pino, type Logger } from 'pino';

/**
 * Paths pino blanks before a line is written. Secrets must never reach a log, whatever an
 * error or request object happens to carry.
 */
export const REDACT_PATHS = [
  'apiKey',
  'accessToken',
  'clientSecret',
  'password',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-webhook-secret"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-webhook-secret"]',
  '*.apiKey',
  '*.accessToken',
  '*.clientSecret',
  '*.password',
  '*.parameters',
];

export type { Logger };

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined },
    destination as pino.DestinationStream | undefined,
  );
}
