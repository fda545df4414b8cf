import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';

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

const CENSOR = '[redacted]';

/**
 * The configured secrets, as the log must never show them: the webhook secrets (they can travel in
 * a URL path), API tokens, the link-signing secret, Pluggy's client secret and the database
 * password (from the URL's userinfo or its `password` query parameter).
 */
export function secretsOf(config: Config): string[] {
  const out = [
    config.webhookSecret,
    config.previousWebhookSecret,
    ...config.apiTokens,
    config.linkSigningSecret,
    config.pluggy.clientSecret,
  ];
  if (config.databaseUrl) {
    try {
      const u = new URL(config.databaseUrl);
      out.push(decodeURIComponent(u.password));
      for (const [k, v] of u.searchParams) if (k.toLowerCase().includes('password')) out.push(v);
    } catch {
      // not WHATWG-parseable (several hosts…): the structured masks still apply
    }
  }
  return out.filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/**
 * Last line of defence, at every level and for every source (our code, Fastify, pg-boss, the
 * sandbox): each configured secret, raw or URL-encoded, is replaced in the finished line. Exact
 * values, not patterns; the structured masks (REDACT_PATHS, URL and path masking) come first.
 */
function scrubber(secrets: string[]): ((line: string) => string) | undefined {
  const needles = [
    ...new Set(secrets.flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)])),
  ]
    // Longest first, so a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (!needles.length) return undefined;
  return (line) => {
    let out = line;
    for (const n of needles) if (out.includes(n)) out = out.split(n).join(CENSOR);
    return out;
  };
}

export function createLogger(
  level = 'info',
  destination?: NodeJS.WritableStream,
  secrets: string[] = [],
): Logger {
  const streamWrite = scrubber(secrets);
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      base: undefined,
      ...(streamWrite ? { hooks: { streamWrite } } : {}),
    },
    destination as pino.DestinationStream | undefined,
  );
}
