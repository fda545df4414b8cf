/**
 * The parts of one running sandbox, handed to routes, scenarios and the admin API.
 */
import type { Logger } from 'pino';
import type { TokenIssuer } from './auth.ts';
import type { Clock } from './clock.ts';
import type { WorldSize } from './world/model.ts';
import type { Faults } from './faults.ts';
import type { Executor } from './items/execution.ts';
import type { RefreshLimiter } from './refresh-limits.ts';
import type { ConsentSessions } from './mockbank/sessions.ts';
import type { Store } from './store.ts';
import type { Deliverer } from './webhooks/deliver.ts';
import type { Notifier } from './webhooks/events.ts';

export type RequestLogEntry = { method: string; path: string; status: number; at: string };

export type SandboxContext = {
  seed: number;
  clientId: string;
  clientSecret: string;
  v2PageSize: number;
  size: WorldSize;
  store: Store;
  clock: Clock;
  tokens: TokenIssuer;
  faults: Faults;
  deliverer: Deliverer;
  notifier: Notifier;
  executor: Executor;
  /** Open Finance consent pages (MockBank). */
  consents: ConsentSessions;
  /** Pluggy's PATCH rate limit and minimum refresh interval (off unless asked for). */
  refreshLimits: RefreshLimiter;
  logger: Logger;
  /** Base URL once listening (no trailing slash). */
  baseUrl(): string;
  logRequest(method: string, path: string, status: number): void;
  /** Something may have changed (a non-GET request, an admin call): saves state when a state file is set. */
  changed(): void;
};
