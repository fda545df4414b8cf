/**
 * The local Pluggy: an HTTP server that answers like api.pluggy.ai (paths, shapes, status codes,
 * errors, webhooks), with seeded deterministic data, scenario controls and fault injection.
 * `npm start` without Pluggy credentials runs the service against it; every test talks to it.
 *
 * It stands for Pluggy, so it imports nothing from outside src/sandbox (packages aside; a unit test
 * checks): this file is its one entry, and the service passes in what it needs (credentials, port…).
 */
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { adminRoutes } from './admin-routes.ts';
import { TokenIssuer } from './auth.ts';
import { Clock, type ClockMode, iso } from './clock.ts';
import type { RequestLogEntry, SandboxContext } from './context.ts';
import {
  DEFAULT_API_KEY_TTL_SECONDS,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_SEED,
  DEFAULT_STEP_DELAY_MS,
  DEFAULT_V2_PAGE_SIZE,
} from './defaults.ts';
import { DEFAULT_SIZE, MAX_ROWS_PER_WORLD, type WorldSize } from './world/model.ts';
import { Faults } from './faults.ts';
import { Executor } from './items/execution.ts';
import { ConsentSessions } from './mockbank/sessions.ts';
import { loadState, StateSaver } from './persist.ts';
import { type RefreshLimits, RefreshLimiter } from './refresh-limits.ts';
import { mockbankRoutes } from './routes/mockbank.ts';
import { accountRoutes } from './routes/accounts.ts';
import { authRoutes } from './routes/auth.ts';
import { widgetStandinRoutes } from './routes/widget-standin.ts';
import { connectorRoutes } from './routes/connectors.ts';
import { itemRoutes } from './routes/items.ts';
import { merchantRoutes } from './routes/merchants.ts';
import { productRoutes } from './routes/products.ts';
import { transactionRoutes } from './routes/transactions.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { createAdmin, type SandboxAdmin } from './scenarios.ts';
import { createHttpServer, Router } from './server.ts';
import { Store } from './store.ts';
import { Deliverer, type WebhookRetryOptions } from './webhooks/deliver.ts';
import { Notifier } from './webhooks/events.ts';

export type { AccountSummary, FaultRule, DeliveryView, SandboxAdmin, TruthSummary } from './scenarios.ts';
export type { Account, Connector, Item, ItemStatus, Transaction, Webhook } from './types.ts';
export type { RequestLogEntry } from './context.ts';
export { PLUGGY_REFRESH_LIMITS, type RefreshLimits } from './refresh-limits.ts';
export { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from './defaults.ts';

export type SandboxOptions = {
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 42. */
  seed?: number;
  /** The client pair POST /auth accepts; default DEFAULT_CLIENT_ID / DEFAULT_CLIENT_SECRET. */
  clientId?: string;
  clientSecret?: string;
  /** Default 7200 (Pluggy: 2 h). */
  apiKeyTtlSeconds?: number;
  /** Delay between execution steps; default 300 (tests use ~5). */
  stepDelayMs?: number;
  /** Rows per /v2/transactions page; default 500. */
  v2PageSize?: number;
  size?: Partial<WorldSize>;
  webhookRetry?: WebhookRetryOptions;
  /** Starting clock; it then moves with admin.advanceClock and (clock 'wall') real time. */
  now?: Date;
  /**
   * Keep items, their data, webhooks, connector health and the clock in this JSON file across
   * restarts (created if missing). The seed must stay the same.
   */
  stateFile?: string;
  /** PATCH /items limits (429 / 409); default none. PLUGGY_REFRESH_LIMITS gives Pluggy's. */
  refreshLimits?: RefreshLimits;
  /** 'wall' (default) or 'manual': time stands still until admin.advanceClock (tests). */
  clock?: ClockMode;
  logger?: Logger;
};

export type Sandbox = {
  /** Base URL, no trailing slash. */
  url: string;
  /** The client pair this sandbox accepts (a local stand-in: printing it is fine). */
  credentials: { clientId: string; clientSecret: string };
  admin: SandboxAdmin;
  /** Stops the server, executions and pending deliveries. */
  close(): Promise<void>;
};

const MAX_REQUEST_LOG = 100_000;
/** The log is cut back to MAX_REQUEST_LOG in one batch once it grows this far (not per request). */
const TRIM_REQUEST_LOG_AT = MAX_REQUEST_LOG + MAX_REQUEST_LOG / 10;
const AUTO_SYNC_CHECK_MS = 30_000;

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const logger = opts.logger ?? pino({ level: 'silent' });
  const size: WorldSize = { ...DEFAULT_SIZE, ...opts.size };
  const accounts = Math.max(1, size.bankAccounts + size.cardAccounts);
  if (size.transactionsPerAccount * accounts > MAX_ROWS_PER_WORLD) {
    throw new Error(
      `size asks for ${size.transactionsPerAccount * accounts} transactions per item; max ${MAX_ROWS_PER_WORLD}`,
    );
  }
  const clock = new Clock(opts.now, opts.clock);
  const store = new Store(seed);
  const clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = opts.clientSecret ?? DEFAULT_CLIENT_SECRET;
  const deliverer = new Deliverer(clock, logger, opts.webhookRetry);
  let baseUrl = '';
  const notifier = new Notifier(store, deliverer, clientId, () => baseUrl);
  const consents = new ConsentSessions();
  const executor = new Executor({
    consents,
    baseUrl: () => baseUrl,
    store,
    clock,
    notifier,
    logger,
    seed,
    size,
    stepDelayMs: opts.stepDelayMs ?? DEFAULT_STEP_DELAY_MS,
  });
  const requestLog: RequestLogEntry[] = [];
  const ctx: SandboxContext = {
    seed,
    clientId,
    clientSecret,
    v2PageSize: Math.max(1, opts.v2PageSize ?? DEFAULT_V2_PAGE_SIZE),
    size,
    store,
    clock,
    tokens: new TokenIssuer(clientId, opts.apiKeyTtlSeconds ?? DEFAULT_API_KEY_TTL_SECONDS),
    faults: new Faults(seed),
    deliverer,
    notifier,
    executor,
    consents,
    refreshLimits: new RefreshLimiter(clock, opts.refreshLimits),
    logger,
    baseUrl: () => baseUrl,
    changed() {
      saver?.changed();
    },
    logRequest(method, path, status) {
      requestLog.push({ method, path, status, at: iso(clock.nowMs()) });
      if (requestLog.length > TRIM_REQUEST_LOG_AT) requestLog.splice(0, requestLog.length - MAX_REQUEST_LOG);
    },
  };
  let saver: StateSaver | undefined;
  if (opts.stateFile) {
    if (loadState(ctx, opts.stateFile)) logger.info({ file: opts.stateFile }, 'sandbox state loaded');
    saver = new StateSaver(ctx, opts.stateFile);
    const s = saver;
    // Executions change items asynchronously (status steps, auto-syncs).
    executor.events.on('change', () => s.changed());
  }
  const admin = createAdmin(ctx, requestLog);
  if (saver) {
    // In-process scenario calls (sb.admin.*) change state without an HTTP request.
    const s = saver;
    const record = admin as unknown as Record<string, unknown>;
    for (const [name, fn] of Object.entries(record)) {
      if (typeof fn !== 'function') continue;
      record[name] = (...args: unknown[]) => {
        const out = (fn as (...a: unknown[]) => unknown).apply(admin, args);
        s.changed();
        if (out instanceof Promise) void out.finally(() => s.changed()).catch(() => undefined);
        return out;
      };
    }
  }

  const api = new Router();
  authRoutes(api, ctx);
  connectorRoutes(api, ctx);
  itemRoutes(api, ctx);
  accountRoutes(api, ctx);
  transactionRoutes(api, ctx);
  productRoutes(api, ctx);
  merchantRoutes(api, ctx);
  webhookRoutes(api, ctx);
  widgetStandinRoutes(api);
  mockbankRoutes(api, ctx);
  const adminRouter = new Router();
  adminRoutes(adminRouter, ctx, admin);

  const server = createHttpServer(ctx, api, adminRouter);
  const host = opts.host ?? '127.0.0.1';
  const wantedPort = opts.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') {
        reject(err);
        return;
      }
      reject(
        new Error(
          `sandbox: port ${wantedPort} on ${host} is already in use — another \`npm start\` or ` +
            `\`npm run cli -- sandbox\`? Stop it, or set SANDBOX_PORT / pass --port N (0 for any free port).`,
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    server.listen(wantedPort, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${shownHost}:${port}`;

  // Real time can reach nextAutoSyncAt too (a sandbox left running for a day).
  const autoSync = setInterval(() => {
    for (const item of executor.dueAutoSyncs(clock.nowMs())) {
      void executor.start(item, { kind: 'auto', triggeredBy: 'SYNC' });
    }
  }, AUTO_SYNC_CHECK_MS);
  autoSync.unref();

  logger.info({ url: baseUrl, seed }, 'sandbox listening');
  let closed: Promise<void> | null = null;
  return {
    url: baseUrl,
    credentials: { clientId, clientSecret },
    admin,
    close() {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(autoSync);
        saver?.close();
        executor.cancelAll();
        deliverer.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
