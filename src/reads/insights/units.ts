/**
 * Money as integer ten-thousandths (numeric(19,4)'s scale) in BigInt: comparisons, medians and the
 * monthly total of recurring charges without float arithmetic on money.
 */
const SCALE = 10_000n;

export function toUnits(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,4}))?\d*$/.exec(s.trim());
  if (!m) throw new Error(`not a decimal: ${s}`);
  const v = BigInt(m[2]!) * SCALE + BigInt((m[3] ?? '').padEnd(4, '0'));
  return m[1] ? -v : v;
}

/** Rounded half away from zero to cents: "12.35". */
export function unitsToCents(u: bigint): string {
  const neg = u < 0n;
  const a = neg ? -u : u;
  const cents = (a + 50n) / 100n;
  const s = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
  return neg && cents !== 0n ? `-${s}` : s;
}

/** a / b as a ratio ×1000 (integer), for thresholds like "within 2 %". */
export function permille(a: bigint, b: bigint): bigint {
  return b === 0n ? 0n : (a * 1000n) / b;
}

export function absDiff(a: bigint, b: bigint): bigint {
  return a > b ? a - b : b - a;
}

export function medianUnits(values: bigint[]): bigint {
  const s = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2n;
}
