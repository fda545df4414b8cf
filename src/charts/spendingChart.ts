/**
 * Spending by category for one month as an SVG sized for a phone screen (WhatsApp shows images
 * full width): one horizontal bar per category, its name, amount and share written out in large
 * type, the biggest first; past the eighth, the rest in one "Outras" bar.
 *
 * Hand-built SVG instead of a charting library: two fixed chart shapes need no layout engine, the
 * output is small and stable enough to test by structure, and rendering stays well under a
 * millisecond before the PNG step.
 */
import {
  centsOf,
  type ChartLang,
  escapeXml,
  money,
  truncateLabel,
  monthTitle,
  percent,
  ratio,
} from './format.ts';

export type SpendingChartInput = {
  month: string;
  lang: ChartLang;
  /** Already named in the answer's language, amounts as decimal strings, share as a fraction. */
  categories: ReadonlyArray<{ categoryId: string; name: string; amount: string; share: string }>;
  total: string;
};

export const SPENDING_CHART_SIZE = { width: 1080, height: 1350 } as const;
const MAX_BARS = 8;
const COLORS = [
  '#2563eb',
  '#16a34a',
  '#ea580c',
  '#9333ea',
  '#0891b2',
  '#db2777',
  '#ca8a04',
  '#4b5563',
  '#64748b',
];
export const FONT_FAMILY = 'DejaVu Sans';

export type ChartBar = { id: string; label: string; amount: string; share: string };

/** The bars the chart draws: categories with spending, biggest first, the tail folded into "Outras". */
export function spendingBars(input: SpendingChartInput): ChartBar[] {
  const positive = input.categories
    .filter((c) => centsOf(c.amount) > 0n)
    .sort((a, b) => {
      const d = centsOf(b.amount) - centsOf(a.amount);
      return d > 0n ? 1 : d < 0n ? -1 : 0;
    });
  const bars: ChartBar[] = positive
    .slice(0, MAX_BARS)
    .map((c) => ({ id: c.categoryId, label: c.name, amount: c.amount, share: c.share }));
  const rest = positive.slice(MAX_BARS);
  if (rest.length > 0) {
    bars.push({
      id: 'other',
      label: input.lang === 'pt' ? `Outras (${rest.length})` : `Other (${rest.length})`,
      amount: sumDecimal(rest.map((c) => c.amount)),
      share: sumDecimal(
        rest.map((c) => c.share),
        4,
      ),
    });
  }
  return bars;
}

function sumDecimal(values: string[], scale = 2): string {
  const unit = 10n ** BigInt(scale);
  let total = 0n;
  for (const v of values) {
    const neg = v.startsWith('-');
    const [i = '0', f = ''] = v.replace(/^[-+]/, '').split('.');
    const x = BigInt(i) * unit + BigInt((f + '0'.repeat(scale)).slice(0, scale));
    total += neg ? -x : x;
  }
  const neg = total < 0n;
  const a = neg ? -total : total;
  return `${neg ? '-' : ''}${a / unit}.${String(a % unit).padStart(scale, '0')}`;
}

export function spendingChartSvg(input: SpendingChartInput): string {
  const { width, height } = SPENDING_CHART_SIZE;
  const pt = input.lang === 'pt';
  const bars = spendingBars(input);
  let max = 0n;
  for (const b of bars) if (centsOf(b.amount) > max) max = centsOf(b.amount);
  const top = 250;
  const rowH = Math.min(120, Math.floor((height - top - 60) / Math.max(1, bars.length)));
  const barMax = width - 120;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect data-role="background" width="${width}" height="${height}" fill="#ffffff"/>`,
    text(60, 100, 56, '#111827', pt ? 'Gastos por categoria' : 'Spending by category', 'title', 'bold'),
    text(60, 165, 40, '#4b5563', monthTitle(input.month, input.lang), 'subtitle'),
    text(
      60,
      222,
      40,
      '#111827',
      `${pt ? 'Total' : 'Total'}: ${money(input.total, input.lang)}`,
      'total',
      'bold',
    ),
  );
  if (bars.length === 0) {
    parts.push(
      text(60, top + 120, 40, '#6b7280', pt ? 'Nenhum gasto neste mês' : 'No spending this month', 'empty'),
    );
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const w = Math.max(6, Math.round(ratio(centsOf(b.amount), max) * barMax));
    const color = COLORS[i % COLORS.length]!;
    parts.push(
      `<g data-role="bar" data-category="${escapeXml(b.id)}" data-amount="${escapeXml(b.amount)}">`,
      text(60, y + 42, 34, '#111827', truncateLabel(b.label, 28), 'label'),
      `<rect x="60" y="${y + 56}" width="${w}" height="${Math.round(rowH * 0.3)}" rx="8" fill="${color}"/>`,
      text(
        width - 60,
        y + 42,
        34,
        '#111827',
        `${money(b.amount, input.lang)}  ${percent(b.share)}`,
        'value',
        'bold',
        'end',
      ),
      '</g>',
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function text(
  x: number,
  y: number,
  size: number,
  fill: string,
  content: string,
  role: string,
  weight: 'normal' | 'bold' = 'normal',
  anchor: 'start' | 'end' | 'middle' = 'start',
): string {
  return `<text data-role="${role}" x="${x}" y="${y}" font-size="${size}" font-weight="${weight}" fill="${fill}" text-anchor="${anchor}">${escapeXml(content)}</text>`;
}
