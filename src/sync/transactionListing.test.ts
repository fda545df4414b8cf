import { describe, expect, it } from 'vitest';
import type { Transaction } from '../pluggy/index.ts';
import { ListingObservation, type ListingPlan, parseProgress, planListing } from './transactionListing.ts';

const tuning = { createdAtMarginMs: 60 * 60_000, fullRelistAfterMs: 7 * 86_400_000 };
const now = new Date('2026-03-10T12:00:00Z');
const state = (watermark: string | null, cursor: string | null = null) => ({
  watermark: watermark ? new Date(watermark) : null,
  cursor,
  updatedAt: now,
});
const recentFull = state('2026-03-09T00:00:00Z');

function tx(id: string, date: string, createdAt = date): Transaction {
  return { id, accountId: 'acc', date, createdAt, amount: 1, type: 'DEBIT' } as unknown as Transaction;
}

describe('planListing', () => {
  it('lists in full an account never listed to the end', () => {
    const plan = planListing({ listing: null, lastFull: null, full: false, now, tuning });
    expect(plan).toMatchObject({ mode: 'full', filter: {}, keepsProgress: true, rereads: false });
  });

  it('lists by createdAt from the watermark minus the margin, widened by an earlier announced bound', () => {
    const listing = state('2026-03-10T10:00:00Z');
    const plain = planListing({ listing, lastFull: recentFull, full: false, now, tuning });
    expect(plain).toMatchObject({
      mode: 'incremental',
      filter: { createdAtFrom: '2026-03-10T09:00:00.000Z' },
      keepsProgress: false,
      rereads: true,
    });
    const later = planListing({
      listing,
      lastFull: recentFull,
      full: false,
      createdAtFrom: '2026-03-10T09:30:00Z',
      now,
      tuning,
    });
    expect(later.filter).toEqual({ createdAtFrom: '2026-03-10T09:00:00.000Z' });
    const earlier = planListing({
      listing,
      lastFull: recentFull,
      full: false,
      createdAtFrom: '2026-03-01T00:00:00Z',
      now,
      tuning,
    });
    expect(earlier.filter).toEqual({ createdAtFrom: '2026-03-01T00:00:00.000Z' });
  });

  it('relists in full when asked or when the last full listing is older than the relist period', () => {
    const listing = state('2026-03-10T10:00:00Z');
    expect(planListing({ listing, lastFull: recentFull, full: true, now, tuning }).mode).toBe('full');
    const old = state('2026-03-01T00:00:00Z');
    const plan = planListing({ listing, lastFull: old, full: false, now, tuning });
    expect(plan).toMatchObject({ mode: 'full', keepsProgress: false, rereads: true });
  });

  it('resumes an interrupted first listing from its stored position, in the observed direction', () => {
    const cursor = JSON.stringify({
      v: 1,
      order: 'desc',
      resumeDate: '2025-06-01T00:00:00.000Z',
      maxCreatedAt: null,
    });
    const plan = planListing({ listing: state(null, cursor), lastFull: null, full: false, now, tuning });
    expect(plan).toMatchObject({ mode: 'resume', filter: { dateTo: '2025-06-01T00:00:00.000Z' } });
    // Without a known direction the position means nothing: start over.
    const unordered = JSON.stringify({
      v: 1,
      order: null,
      resumeDate: '2025-06-01T00:00:00.000Z',
      maxCreatedAt: null,
    });
    expect(
      planListing({ listing: state(null, unordered), lastFull: null, full: false, now, tuning }).mode,
    ).toBe('full');
  });

  it('ignores a cursor it cannot read', () => {
    expect(parseProgress('not json')).toBeNull();
    expect(parseProgress(JSON.stringify({ v: 2 }))).toBeNull();
  });
});

describe('ListingObservation', () => {
  const fullPlan = (): ListingPlan =>
    planListing({ listing: null, lastFull: null, full: false, now, tuning });

  it('keeps the resume position, direction and max createdAt of what it saw', () => {
    const seen = new ListingObservation(fullPlan(), 100);
    seen.observe(tx('a', '2025-01-01T00:00:00.000Z', '2025-01-05T00:00:00.000Z'));
    seen.observe(tx('b', '2025-01-02T00:00:00.000Z', '2025-01-03T00:00:00.000Z'));
    expect(JSON.parse(seen.progress()!)).toEqual({
      v: 1,
      order: 'asc',
      resumeDate: '2025-01-02T00:00:00.000Z',
      maxCreatedAt: '2025-01-05T00:00:00.000Z',
    });
    const end = seen.end();
    expect(end.watermark?.toISOString()).toBe('2025-01-05T00:00:00.000Z');
    expect(end.diff).toEqual({ keepIds: ['a', 'b'], from: new Date('2025-01-01T00:00:00.000Z') });
  });

  it('drops the direction when the listing is not ordered by date', () => {
    const seen = new ListingObservation(fullPlan(), 100);
    for (const [id, d] of [
      ['a', '01'],
      ['b', '03'],
      ['c', '02'],
    ] as const)
      seen.observe(tx(id, `2025-01-${d}T00:00:00.000Z`));
    expect(seen.unordered).toBe(true);
    expect(JSON.parse(seen.progress()!).order).toBeNull();
  });

  it('never diffs an empty listing, nor one larger than the id bound', () => {
    const empty = new ListingObservation(fullPlan(), 100);
    expect(empty.end().diff).toBeNull();
    expect(empty.diffSkipped).toBe('the listing returned no rows');
    const big = new ListingObservation(fullPlan(), 1);
    big.observe(tx('a', '2025-01-01T00:00:00.000Z'));
    big.observe(tx('b', '2025-01-02T00:00:00.000Z'));
    expect(big.end().diff).toBeNull();
    expect(big.diffSkipped).toBe('more than 1 transactions in the account');
  });

  it('an incremental listing keeps the higher of the old watermark and what it saw, and diffs nothing', () => {
    const listing = state('2026-03-10T10:00:00Z');
    const plan = planListing({ listing, lastFull: recentFull, full: false, now, tuning });
    const seen = new ListingObservation(plan, 100);
    seen.observe(tx('a', '2026-03-10T00:00:00.000Z', '2026-03-10T09:30:00.000Z'));
    expect(seen.progress()).toBeNull();
    expect(seen.end()).toEqual({ diff: null, watermark: new Date('2026-03-10T10:00:00Z') });
  });

  it("moves the watermark to Pluggy's clock at the listing's start when that is later than any row", () => {
    const listing = state('2026-03-10T10:00:00Z');
    const plan = planListing({ listing, lastFull: recentFull, full: false, now, tuning });
    const seen = new ListingObservation(plan, 100);
    seen.started(new Date('2026-03-10T11:59:58Z'));
    // Only the first page's answer counts: the listing saw everything created before it began.
    seen.started(new Date('2026-03-10T11:59:59Z'));
    seen.observe(tx('a', '2026-03-10T00:00:00.000Z', '2026-03-10T09:30:00.000Z'));
    expect(seen.end().watermark).toEqual(new Date('2026-03-10T11:59:58Z'));
    // …and the next listing starts the margin before it, not at the newest row.
    const next = planListing({
      listing: state('2026-03-10T11:59:58Z'),
      lastFull: recentFull,
      full: false,
      now,
      tuning,
    });
    expect(next.filter).toEqual({ createdAtFrom: '2026-03-10T10:59:58.000Z' });
  });

  it('never moves the watermark back: a row newer than the start (or an old watermark) wins', () => {
    const seen = new ListingObservation(fullPlan(), 100);
    seen.started(new Date('2025-01-04T00:00:00Z'));
    seen.observe(tx('a', '2025-01-01T00:00:00.000Z', '2025-01-05T00:00:00.000Z'));
    expect(seen.end().watermark?.toISOString()).toBe('2025-01-05T00:00:00.000Z');
    const plan = planListing({
      listing: state('2026-03-10T10:00:00Z'),
      lastFull: recentFull,
      full: false,
      now,
      tuning,
    });
    const late = new ListingObservation(plan, 100);
    late.started(new Date('2026-03-10T09:00:00Z'));
    expect(late.end().watermark).toEqual(new Date('2026-03-10T10:00:00Z'));
  });

  it('a full listing keeps its start in the resume position; a resumed listing ends at the original start', () => {
    const seen = new ListingObservation(fullPlan(), 100);
    seen.started(new Date('2025-02-01T00:00:00Z'));
    seen.observe(tx('a', '2025-01-01T00:00:00.000Z', '2025-01-05T00:00:00.000Z'));
    seen.observe(tx('a2', '2025-01-02T00:00:00.000Z', '2025-01-05T00:00:00.000Z'));
    const cursor = seen.progress()!;
    expect(JSON.parse(cursor).listedAt).toBe('2025-02-01T00:00:00.000Z');
    expect(parseProgress(cursor)?.listedAt).toBe('2025-02-01T00:00:00.000Z');

    const plan = planListing({ listing: state(null, cursor), lastFull: null, full: false, now, tuning });
    expect(plan.mode).toBe('resume');
    const resumed = new ListingObservation(plan, 100);
    // Rows created during the interrupted part may lie in dates it had passed: the resumed
    // listing's own, later start must not be taken.
    resumed.started(new Date('2025-03-01T00:00:00Z'));
    resumed.observe(tx('b', '2025-01-02T00:00:00.000Z', '2025-01-04T00:00:00.000Z'));
    expect(resumed.end().watermark?.toISOString()).toBe('2025-02-01T00:00:00.000Z');

    // A cursor written before listedAt existed resumes to max(createdAt), as it always did.
    const old = JSON.stringify({
      v: 1,
      order: 'asc',
      resumeDate: '2025-01-01T00:00:00.000Z',
      maxCreatedAt: '2025-01-05T00:00:00.000Z',
    });
    const oldPlan = planListing({ listing: state(null, old), lastFull: null, full: false, now, tuning });
    const fromOld = new ListingObservation(oldPlan, 100);
    fromOld.started(new Date('2025-03-01T00:00:00Z'));
    expect(fromOld.end().watermark?.toISOString()).toBe('2025-01-05T00:00:00.000Z');
  });
});
