/**
 * Labels for charts, from decimal strings (never floats): "R$ 1.234,56", month names. Portuguese by
 * default, English with lang 'en'.
 */
export type ChartLang = 'pt' | 'en';

const MONTHS: Record<ChartLang, string[]> = {
  pt: [
    'janeiro',
    'fevereiro',
    'março',
    'abril',
    'maio',
    'junho',
    'julho',
    'agosto',
    'setembro',
    'outubro',
    'novembro',
    'dezembro',
  ],
  en: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
};

/** "2026-03" → "março de 2026" / "March 2026". */
export function monthTitle(month: string, lang: ChartLang): string {
  const [y, m] = month.split('-');
  const name = MONTHS[lang][Number(m) - 1] ?? month;
  return lang === 'pt' ? `${name} de ${y}` : `${name} ${y}`;
}

/** "2026-03" → "mar/26" / "Mar 26". */
export function monthShort(month: string, lang: ChartLang): string {
  const [y, m] = month.split('-');
  const name = (MONTHS[lang][Number(m) - 1] ?? '???').slice(0, 3);
  return lang === 'pt' ? `${name}/${y!.slice(2)}` : `${name} ${y!.slice(2)}`;
}

/** A decimal string as money, rounded half up to cents: "1234.565" → "R$ 1.234,57" (pt). */
export function money(amount: string, lang: ChartLang, opts: { noCents?: boolean } = {}): string {
  const neg = amount.trim().startsWith('-');
  const [intRaw = '0', fracRaw = ''] = amount.trim().replace(/^[-+]/, '').split('.');
  let cents = BigInt(intRaw || '0') * 100n + BigInt((fracRaw + '00').slice(0, 2));
  if ((fracRaw[2] ?? '0') >= '5') cents += 1n;
  if (opts.noCents) cents = ((cents + 50n) / 100n) * 100n;
  const whole = (cents / 100n).toString();
  const frac = String(cents % 100n).padStart(2, '0');
  const sep = lang === 'pt' ? '.' : ',';
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  const body = opts.noCents ? grouped : `${grouped}${lang === 'pt' ? ',' : '.'}${frac}`;
  const sign = neg && cents !== 0n ? '−' : '';
  return `${sign}R$ ${body}`;
}

/** A share as a fraction string ("0.2514") → "25%" / "25 %" style, rounded half up. */
export function percent(share: string): string {
  const [i = '0', f = ''] = share.split('.');
  const tenths = BigInt(i) * 1000n + BigInt((f + '000').slice(0, 3));
  return `${(tenths + 5n) / 10n}%`;
}

/** Money as integer cents for geometry (bar lengths); labels always come from the strings. */
export function centsOf(amount: string): bigint {
  const neg = amount.trim().startsWith('-');
  const [i = '0', f = ''] = amount.trim().replace(/^[-+]/, '').split('.');
  const c = BigInt(i || '0') * 100n + BigInt((f + '00').slice(0, 2));
  return neg ? -c : c;
}

/** a / b as a number in [0, 1] for pixel sizes only. */
export function ratio(a: bigint, b: bigint): number {
  if (b <= 0n) return 0;
  return Number((a * 100_000n) / b) / 100_000;
}

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** Cuts a label to fit about `max` characters (DejaVu Sans at the chart's size). */
export function truncateLabel(label: string, max: number): string {
  const chars = [...label];
  return chars.length <= max ? label : `${chars.slice(0, max - 1).join('')}…`;
}
