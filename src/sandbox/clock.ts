/**
 * `wall`: real time plus an offset (moves with real time and admin.advanceClock). `manual`: stands
 * still until admin.advanceClock moves it, so a test's timestamps do not depend on how fast a busy
 * machine runs it.
 */
export type ClockMode = 'wall' | 'manual';

/**
 * The sandbox's clock. It starts at `now` (or real now) and moves with `advanceTo`
 * (admin.advanceClock) and, in `wall` mode, with real time. Every timestamp the sandbox serves comes
 * from it. API-key and connect-token expiry deliberately use the real wall clock instead (see auth.ts).
 */
export class Clock {
  private offsetMs: number;
  private readonly manual: boolean;

  constructor(start?: Date, mode: ClockMode = 'wall') {
    this.manual = mode === 'manual';
    const startMs = start ? start.getTime() : Date.now();
    this.offsetMs = this.manual ? startMs : startMs - Date.now();
  }

  nowMs(): number {
    return this.manual ? this.offsetMs : Date.now() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Where the clock stands relative to real time (wall) or absolutely (manual): sandbox state files. */
  saved(): { mode: ClockMode; offsetMs: number } {
    return { mode: this.manual ? 'manual' : 'wall', offsetMs: this.offsetMs };
  }

  /** Continue a saved clock (same mode); never moves it backwards. */
  restore(saved: { mode: ClockMode; offsetMs: number }): void {
    const then = saved.mode === 'manual' ? saved.offsetMs : Date.now() + saved.offsetMs;
    this.advanceTo(then);
  }

  /** Jump forward (never backwards). */
  advanceTo(ms: number): void {
    const delta = ms - this.nowMs();
    if (delta > 0) this.offsetMs += delta;
  }
}

export const DAY_MS = 86_400_000;

// Serialising 200k rows formats the same midnights and sync instants over and over: cache them.
const dayIso = new Map<number, string>();
let lastMs = Number.NaN;
let lastIso = '';

/** Pluggy's date-time shape, exactly `YYYY-MM-DDTHH:mm:ss.sssZ` (the SDK only revives that form). */
export function iso(ms: number): string {
  if (ms % DAY_MS === 0) {
    let s = dayIso.get(ms);
    if (s === undefined) {
      s = new Date(ms).toISOString();
      if (dayIso.size < 50_000) dayIso.set(ms, s);
    }
    return s;
  }
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
export const HOUR_MS = 3_600_000;

/** Midnight UTC of the day containing `ms`. */
export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Same day-of-month `months` later (clamped to the month's last day), at midnight UTC. */
export function addMonths(ms: number, months: number, dayOfMonth?: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const want = dayOfMonth ?? d.getUTCDate();
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(want, last));
}

/** `YYYY-MM` of a timestamp. */
export function yearMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}
