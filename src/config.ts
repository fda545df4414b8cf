import { z } from 'zod';

/**
 * All configuration, read once from the environment. Nothing else reads process.env.
 *
 * Two modes follow from one fact: whether Pluggy credentials are set.
 * - live: PLUGGY_CLIENT_ID/SECRET set → talk to Pluggy; every secret must be given explicitly.
 * - local: nothing set → an in-process sandbox stands in for Pluggy, with documented dev secrets,
 *   so `npm start` on a fresh machine shows the whole flow offline.
 */

/** The pair the local sandbox accepts; documented in README. Never valid against Pluggy itself. */
export const SANDBOX_CLIENT_ID = '00000000-0000-4000-8000-00000000c11e';
export const SANDBOX_CLIENT_SECRET = 'sandbox-secret';

const DEV_DEFAULTS = {
  WEBHOOK_SECRET: 'dev-webhook-secret-change-me',
  API_TOKENS: 'dev-api-token',
  LINK_SIGNING_SECRET: 'dev-link-signing-secret-change-me',
} as const;

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const url = (what: string) =>
  z.preprocess(emptyToUndefined, z.url({ message: `must be an absolute URL (${what})` }).optional());
const int = (def: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));

const EnvSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: optionalString,
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 1000, 600_000),
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 1000, 600_000),
  HTTP_CONNECTION_TIMEOUT_MS: int(30_000, 1000, 600_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(5_000, 1000, 600_000),
  HTTP_MAX_CONNECTIONS: int(1000, 1, 1_000_000),
  PUBLIC_BASE_URL: url('the address people and Pluggy use to reach this service'),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  ),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  EMBEDDED_PG_PORT: int(54329, 1, 65535),
  PLUGGY_BASE_URL: url('Pluggy API base URL'),
  PLUGGY_CLIENT_ID: optionalString,
  PLUGGY_CLIENT_SECRET: optionalString,
  PLUGGY_TIMEOUT_MS: int(30_000, 100, 300_000),
  // Requests per endpoint per minute Pluggy grants this deployment, when it is not the documented one.
  PLUGGY_RATE_LIMIT_PER_MINUTE: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(10).max(100_000).optional(),
  ),
  SANDBOX_PORT: int(8787, 0, 65535),
  WEBHOOK_SECRET: z.preprocess(
    emptyToUndefined,
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  // The secret being rotated out: still accepted on deliveries, never sent
  // (docs/pluggy.md#authenticating-deliveries).
  WEBHOOK_SECRET_PREVIOUS: z.preprocess(
    emptyToUndefined,
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  API_TOKENS: optionalString,
  LINK_SIGNING_SECRET: z.preprocess(
    emptyToUndefined,
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  // A separate token that opens GET /metrics only (for a scraper that must not read people's data).
  METRICS_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().min(24, 'must be at least 24 characters').optional(),
  ),
  // The Connect page's "back to WhatsApp" button (a wa.me link): the assistant's number.
  WHATSAPP_NUMBER: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d{8,15}$/, 'digits only, country code first (e.g. 5511999999999)')
      .optional(),
  ),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  SYNC_STALE_AFTER_HOURS: int(24, 1, 24 * 30),
  // Bounded so the pool it implies (db/open.ts poolSizeFor: 8 × this + 14) fits PostgreSQL's default 100.
  SYNC_CONCURRENCY: int(2, 1, 8),
  // Under a platform's kill grace period (often 30 s): what is still running then is recovered by the job leases.
  SHUTDOWN_TIMEOUT_SECONDS: int(25, 1, 600),
  // What this process runs (`start --role` overrides it): see Config.role.
  ROLE: z.preprocess(emptyToUndefined, z.enum(['all', 'api', 'worker']).default('all')),
  // The worker role's own HTTP port: health and metrics only.
  WORKER_PORT: int(3001, 0, 65535),
});

/**
 * Limits on what one HTTP client can hold. Without them 20,200 connections each holding a
 * half-sent body exhausted the process's file descriptors.
 */
export type HttpLimits = {
  /** The whole request, headers and body, must arrive within this. */
  requestTimeoutMs: number;
  /** The request headers must arrive within this (at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** A connection that sends and receives nothing for this long is closed. */
  connectionTimeoutMs: number;
  /** An idle keep-alive connection is closed after this; keep it above a proxy's idle timeout. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; further ones are closed as they arrive. */
  maxConnections: number;
};

export type Config = {
  mode: 'live' | 'local';
  port: number;
  /**
   * Interface to listen on. Local mode runs on documented development secrets, so it answers only
   * this machine (127.0.0.1) unless HOST says otherwise; live mode listens on every interface.
   */
  host: string;
  http: HttpLimits;
  publicBaseUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  pluggy: {
    baseUrl: string | undefined;
    clientId: string;
    clientSecret: string;
    timeoutMs: number;
    /** Pluggy's per-endpoint limit when it differs from the documented one (src/pluggy/rateGate.ts). */
    rateLimitPerMinute?: number | undefined;
  };
  sandboxPort: number;
  /** What we register at Pluggy and accept on deliveries. */
  webhookSecret: string;
  /**
   * WEBHOOK_SECRET_PREVIOUS: also accepted on deliveries while a rotation is under way, because
   * Pluggy never retries a 401 (docs/pluggy.md#authenticating-deliveries) and a webhook still carrying the
   * old header would lose its events. Never registered.
   */
  previousWebhookSecret: string | undefined;
  apiTokens: string[];
  linkSigningSecret: string;
  metricsToken: string | undefined;
  /** The assistant's WhatsApp number (digits), for the Connect page's way back; none = no button. */
  whatsappNumber: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  sync: { staleAfterHours: number; concurrency: number };
  /** How long stopping waits for running jobs before leaving them to recovery (src/sync/leases.ts). */
  shutdownTimeoutSeconds: number;
  /**
   * What this process runs. `api`: HTTP and the webhook receiver, no job. `worker`: the jobs, and
   * HTTP for health and metrics only, on `workerPort`. `all`: both (one machine).
   */
  role: Role;
  workerPort: number;
};

export type Role = 'all' | 'api' | 'worker';
export const ROLES: readonly Role[] = ['all', 'api', 'worker'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Pure: environment in, config out. Throws one ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (Boolean(e.PLUGGY_CLIENT_ID) !== Boolean(e.PLUGGY_CLIENT_SECRET)) {
    problems.push('  PLUGGY_CLIENT_ID and PLUGGY_CLIENT_SECRET must be set together');
  }
  const mode = e.PLUGGY_CLIENT_ID ? 'live' : 'local';
  if (mode === 'live') {
    for (const name of ['WEBHOOK_SECRET', 'API_TOKENS', 'LINK_SIGNING_SECRET'] as const) {
      if (!e[name]) problems.push(`  ${name}: required when PLUGGY_CLIENT_ID is set (live mode)`);
    }
  }
  const apiTokens = (e.API_TOKENS ?? DEV_DEFAULTS.API_TOKENS)
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (mode === 'live' && apiTokens.some((t) => t.length < 24)) {
    problems.push('  API_TOKENS: each token must be at least 24 characters in live mode');
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push('  HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);

  return {
    mode,
    port: e.PORT,
    host: e.HOST ?? (mode === 'local' ? '127.0.0.1' : '0.0.0.0'),
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      connectionTimeoutMs: e.HTTP_CONNECTION_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
    },
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    pluggy: {
      // In local mode the base URL is the in-process sandbox's, known only once it listens.
      baseUrl: e.PLUGGY_BASE_URL ?? (mode === 'live' ? 'https://api.pluggy.ai' : undefined),
      clientId: e.PLUGGY_CLIENT_ID ?? SANDBOX_CLIENT_ID,
      clientSecret: e.PLUGGY_CLIENT_SECRET ?? SANDBOX_CLIENT_SECRET,
      timeoutMs: e.PLUGGY_TIMEOUT_MS,
      rateLimitPerMinute: e.PLUGGY_RATE_LIMIT_PER_MINUTE,
    },
    sandboxPort: e.SANDBOX_PORT,
    webhookSecret: e.WEBHOOK_SECRET ?? DEV_DEFAULTS.WEBHOOK_SECRET,
    previousWebhookSecret: e.WEBHOOK_SECRET_PREVIOUS,
    apiTokens,
    linkSigningSecret: e.LINK_SIGNING_SECRET ?? DEV_DEFAULTS.LINK_SIGNING_SECRET,
    metricsToken: e.METRICS_TOKEN,
    whatsappNumber: e.WHATSAPP_NUMBER,
    logLevel: e.LOG_LEVEL,
    sync: { staleAfterHours: e.SYNC_STALE_AFTER_HOURS, concurrency: e.SYNC_CONCURRENCY },
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS,
    role: e.ROLE,
    workerPort: e.WORKER_PORT,
  };
}
