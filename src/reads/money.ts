/**
 * Stored money is numeric(19,4) and comes back from pg as text ("-1234.5600"). Answered as a
 * decimal string with at least two decimals and no needless trailing zeros ("-1234.56",
 * "0.1234"): exact, and what a person expects to read. Pure string work, never a float.
 */
export function decimal(v: string): string;
export function decimal(v: string | null): string | null;
export function decimal(v: string | null): string | null {
  if (v === null) return null;
  const dot = v.indexOf('.');
  if (dot < 0) return `${v}.00`;
  let end = v.length;
  while (end > dot + 3 && v[end - 1] === '0') end--;
  const out = v.slice(0, end);
  return out.length - dot - 1 < 2 ? out.padEnd(dot + 3, '0') : out;
}

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
