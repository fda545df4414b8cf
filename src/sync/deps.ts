import type pg from 'pg';
import type { Logger } from '../log.ts';
import type { PluggyClient } from '../pluggy/index.ts';
import type { Boss } from './jobs.ts';

/**
 * What every sync service takes, explicitly: no module-level singletons, so a test, the CLI and the
 * workers each build their own.
 */
export type SyncDeps = {
  pool: pg.Pool;
  pluggy: PluggyClient;
  logger: Logger;
  /** Needed only by services that enqueue (safety net, workers re-queuing a busy item). */
  boss?: Boss;
  /** Our clock (tests move it); Pluggy's own timestamps always come from Pluggy. */
  now?: () => Date;
  tuning?: Partial<SyncTuning>;
};

export type SyncTuning = {
  /** Rows committed per transaction (a page is ≤ 500); the watermark moves with each. */
  batchRows: number;
  /** Incremental fetch starts this long before the watermark: rows Pluggy stores late are not missed. */
  createdAtMarginMs: number;
  /** An account's transactions are re-listed in full (catching missed deletions/updates) this often. */
  fullRelistAfterMs: number;
  /** Above this many transactions in one account the deletion diff is skipped (its id set stays bounded). */
  maxDiffIds: number;
};

export const DEFAULT_TUNING: SyncTuning = {
  batchRows: 1000,
  createdAtMarginMs: 60 * 60 * 1000,
  fullRelistAfterMs: 7 * 24 * 60 * 60 * 1000,
  maxDiffIds: 250_000,
};

export function tuningOf(deps: SyncDeps): SyncTuning {
  return { ...DEFAULT_TUNING, ...deps.tuning };
}

export function nowOf(deps: SyncDeps): Date {
  return deps.now ? deps.now() : new Date();
}
