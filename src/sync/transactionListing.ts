import type { SyncStateRow } from '../db/queries/syncState.ts';
import type { Transaction, TransactionFilter } from '../pluggy/index.ts';
import type { SyncTuning } from './deps.ts';

/**
 * The state of one account's transaction listing, kept apart from the I/O that drives it
 * (accountTransactions.ts): which listing to run (planListing), and what the rows seen so far say
 * (ListingObservation) — the direction of the listing, where a crash would resume, the dates it
 * covered, its max(createdAt) and the ids for the deletion diff. Pure: no database, no HTTP.
 */

export type ListingMode = 'full' | 'resume' | 'incremental';

/** A full listing in progress, stored in sync_state.cursor so a crash resumes instead of restarting. */
export type ListingProgress = {
  v: 1;
  order: 'asc' | 'desc' | null;
  /** `date` of the last committed row in listing order. */
  resumeDate: string | null;
  /** max(createdAt) over everything committed by this listing so far. */
  maxCreatedAt: string | null;
  /** When Pluggy answered the listing's first page, by Pluggy's clock (absent: unknown). */
  listedAt?: string | null;
};

export type ListingPlan = {
  mode: ListingMode;
  filter: TransactionFilter;
  /**
   * The account's watermark before this listing: the latest of the max(createdAt) and the start by
   * Pluggy's clock of the last listing that ended.
   */
  watermark: Date | null;
  /** Where an interrupted listing stood (mode 'resume' only). */
  resumeFrom: ListingProgress | null;
  /** Progress is only worth keeping for a listing that has no watermark to fall back on. */
  keepsProgress: boolean;
  /**
   * Whether the listing may re-read rows we hold. Without a watermark the account was never listed
   * to the end: its rows are new (bar a resumed listing's boundary day), so checking for identical
   * ones first would only cost a round trip.
   */
  rereads: boolean;
};

export type PlanInput = {
  /** sync_state of the listing (watermark + cursor) and of the last full listing (its time). */
  listing: SyncStateRow | null;
  lastFull: SyncStateRow | null;
  /** Asked for a full listing. */
  full: boolean;
  /** A lower bound announced by `transactions/created`. */
  createdAtFrom?: string | undefined;
  now: Date;
  tuning: Pick<SyncTuning, 'createdAtMarginMs' | 'fullRelistAfterMs'>;
};

/** Chooses the listing: resume an interrupted one, list in full, or list what was created since the watermark. */
export function planListing(input: PlanInput): ListingPlan {
  const { tuning, now } = input;
  const watermark = input.listing?.watermark ?? null;
  const saved = parseProgress(input.listing?.cursor);
  const base = { watermark, keepsProgress: watermark === null, rereads: watermark !== null };
  if (!watermark && !input.full && saved?.resumeDate && saved.order) {
    const filter = saved.order === 'asc' ? { dateFrom: saved.resumeDate } : { dateTo: saved.resumeDate };
    return { ...base, mode: 'resume', filter, resumeFrom: saved };
  }
  const lastFullAt = input.lastFull?.watermark ?? null;
  if (
    !watermark ||
    input.full ||
    !lastFullAt ||
    now.getTime() - lastFullAt.getTime() >= tuning.fullRelistAfterMs
  ) {
    return { ...base, mode: 'full', filter: {}, resumeFrom: null };
  }
  // Never by `date`: Pluggy stores some rows late with an old date, and a date filter would miss
  // them (docs/pluggy.md, "Incremental sync by createdAt"). An announced bound earlier than ours
  // widens the listing; a later one never narrows it.
  let from = watermark.getTime() - tuning.createdAtMarginMs;
  const hinted = input.createdAtFrom ? Date.parse(input.createdAtFrom) : Number.NaN;
  if (Number.isFinite(hinted) && hinted < from) from = hinted;
  return {
    ...base,
    mode: 'incremental',
    filter: { createdAtFrom: new Date(from).toISOString() },
    resumeFrom: null,
  };
}

/** How the listing ends in the database: the deletion diff to apply (if any) and the new watermark. */
export type ListingEnd = {
  /** Ids to keep within the dates the listing returned; null = no diff. */
  diff: { keepIds: string[]; from: Date } | null;
  watermark: Date | null;
};

/**
 * What the rows of one listing say, updated row by row (observe) and read at each batch
 * (progress) and at the end (end). Rows must be observed in listing order.
 */
export class ListingObservation {
  /** Direction of the listing by date, once two dates differed; stays as first seen. */
  private order: ListingProgress['order'];
  private orderBroken = false;
  private prevDate: number | null = null;
  /** `date` of the last row observed. */
  private lastDate: string | null;
  private minDate: number | null = null;
  private maxCreatedAt: number | null;
  /** When Pluggy answered this listing's first page, by its clock; a resumed listing keeps the original's. */
  private listedAt: number | null;
  private readonly listedAtFixed: boolean;
  /** Ids listed so far, for the deletion diff; null when this listing does not diff. */
  private seen: Set<string> | null;
  /** Why this listing does not diff deletions, when it does not. */
  diffSkipped: string | undefined;

  constructor(
    private readonly plan: ListingPlan,
    private readonly maxDiffIds: number,
  ) {
    const saved = plan.resumeFrom;
    this.order = saved?.order ?? null;
    this.lastDate = saved?.resumeDate ?? null;
    this.maxCreatedAt = ms(saved?.maxCreatedAt);
    // A resumed listing started when the interrupted one did: rows created during the first part
    // may sit in dates already passed, so only the original start bounds what it saw.
    this.listedAt = ms(saved?.listedAt);
    this.listedAtFixed = plan.mode === 'resume';
    // Only a full listing run start to end diffs id sets: Pluggy's lists carry no tombstones
    // (docs/pluggy.md, "Restatements and deletions").
    this.seen = plan.mode === 'full' ? new Set() : null;
    this.diffSkipped = plan.mode === 'resume' ? 'resumed after an interruption' : undefined;
  }

  /** Whether the listing came in an order other than by date (then a crash restarts it instead). */
  get unordered(): boolean {
    return this.orderBroken;
  }

  /** Pluggy's clock when it answered the listing's first page (its Date header). */
  started(pluggyTime: Date): void {
    if (this.listedAtFixed || this.listedAt !== null) return;
    const t = pluggyTime.getTime();
    if (Number.isFinite(t)) this.listedAt = t;
  }

  observe(t: Transaction): void {
    const date = Date.parse(t.date);
    this.observeOrder(date);
    this.lastDate = t.date;
    if (this.minDate === null || date < this.minDate) this.minDate = date;
    this.maxCreatedAt = maxOf(this.maxCreatedAt, Date.parse(t.createdAt));
    this.remember(t.id);
  }

  /**
   * Where a crash after committing everything observed so far resumes (sync_state.cursor), or null
   * when this listing keeps none (it has a watermark to fall back on).
   */
  progress(): string | null {
    if (!this.plan.keepsProgress) return null;
    return JSON.stringify({
      v: 1,
      order: this.orderBroken ? null : this.order,
      resumeDate: this.lastDate,
      maxCreatedAt: this.maxCreatedAt === null ? null : new Date(this.maxCreatedAt).toISOString(),
      ...(this.listedAt === null ? {} : { listedAt: new Date(this.listedAt).toISOString() }),
    } satisfies ListingProgress);
  }

  /** The listing reached its end: what to delete and the new watermark. */
  end(): ListingEnd {
    let diff: ListingEnd['diff'] = null;
    if (this.seen && this.seen.size > 0 && this.minDate !== null) {
      // Only within the dates Pluggy returned: an empty or shortened history (a consent without
      // the transactions permission, history ageing out) never wipes what we hold.
      diff = { keepIds: [...this.seen], from: new Date(this.minDate) };
    } else if (this.seen) {
      this.diffSkipped = 'the listing returned no rows';
    }
    // Every row created before the listing started by Pluggy's clock was visible to it, bar those
    // stamped shortly before they were stored: the next listing's margin covers those
    // (docs/pluggy.md#watermark-by-pluggys-clock). Without this a quiet account would keep its
    // newest row's createdAt and be re-read from there on every sync.
    const next = maxOf(maxOf(this.plan.watermark?.getTime() ?? null, this.maxCreatedAt), this.listedAt);
    return { diff, watermark: next === null ? null : new Date(next) };
  }

  private observeOrder(date: number): void {
    if (this.prevDate !== null && date !== this.prevDate) {
      const dir = date > this.prevDate ? 'asc' : 'desc';
      if (this.order === null) this.order = dir;
      else if (this.order !== dir) this.orderBroken = true;
    }
    this.prevDate = date;
  }

  private remember(id: string): void {
    if (!this.seen) return;
    this.seen.add(id);
    if (this.seen.size > this.maxDiffIds) {
      // The id set must stay bounded; the periodic relist of a huge account skips its diff.
      this.seen = null;
      this.diffSkipped = `more than ${this.maxDiffIds} transactions in the account`;
    }
  }
}

export function parseProgress(cursor: string | null | undefined): ListingProgress | null {
  if (!cursor) return null;
  try {
    const p = JSON.parse(cursor) as Partial<ListingProgress>;
    if (p.v !== 1) return null;
    return {
      v: 1,
      order: p.order === 'asc' || p.order === 'desc' ? p.order : null,
      resumeDate: typeof p.resumeDate === 'string' ? p.resumeDate : null,
      maxCreatedAt: typeof p.maxCreatedAt === 'string' ? p.maxCreatedAt : null,
      listedAt: typeof p.listedAt === 'string' ? p.listedAt : null,
    };
  } catch {
    return null;
  }
}

function ms(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null || !Number.isFinite(a)) return b !== null && Number.isFinite(b) ? b : null;
  if (b === null || !Number.isFinite(b)) return a;
  return Math.max(a, b);
}
