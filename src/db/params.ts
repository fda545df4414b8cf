/**
 * Pluggy JSON values → SQL parameters. Kept in one place so every table converts money and time
 * the same way.
 *
 * Money: a JSON number is sent to PostgreSQL as its shortest decimal text (`String(0.1)` = "0.1"),
 * which is exactly the literal Pluggy wrote for any amount with ≤ 15 significant digits; a string
 * passes through untouched (a client that parses money as strings keeps every digit). Never any
 * float arithmetic here. Reading back, pg returns `numeric` as a string and we keep it a string.
 */

export type MoneyIn = number | string | null | undefined;
export type TimeIn = string | Date | null | undefined;

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function money(v: MoneyIn): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`not a finite amount: ${v}`);
    return String(v);
  }
  const s = v.trim();
  if (s === '') return null;
  if (!DECIMAL.test(s)) throw new TypeError(`not a decimal amount: ${JSON.stringify(v)}`);
  return s;
}

/**
 * An instant as an ISO string for a timestamptz parameter. A bare `YYYY-MM-DD` (Pluggy's calendar
 * dates are documented as midnight UTC, some fields are unverified as date-only) is pinned to UTC
 * midnight, so the session time zone never shifts it.
 */
export function time(v: TimeIn): string | null {
  if (v === null || v === undefined || v === '') return null;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new TypeError('invalid Date');
    return v.toISOString();
  }
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00.000Z` : v;
}

export function int(v: number | string | null | undefined): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new TypeError(`not an integer: ${JSON.stringify(v)}`);
  return n;
}

export function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return String(v);
}

/** A value for a jsonb (or jsonb[] element) parameter; `undefined` and `null` both become SQL NULL. */
export function json(v: unknown): string | null {
  return v === null || v === undefined ? null : JSON.stringify(v);
}

/** A page size from a caller: an integer in [1, max], `fallback` when absent or not a number. */
export function clampLimit(v: number | undefined, fallback: number, max: number): number {
  const n = v === undefined || !Number.isFinite(v) ? fallback : Math.trunc(v);
  return Math.min(Math.max(n, 1), max);
}
