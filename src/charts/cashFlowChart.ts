/**
 * Income and spending per month, side by side, with each month's net written under it; the
 * period's totals on top. Square (1080×1080) so it stays legible as a WhatsApp image.
 */
import { centsOf, type ChartLang, escapeXml, money, monthShort, monthTitle, ratio } from './format.ts';
import { FONT_FAMILY, text } from './spendingChart.ts';

export type CashFlowChartInput = {
  lang: ChartLang;
  months: ReadonlyArray<{ month: string; income: string; spending: string; net: string }>;
  totals: { income: string; spending: string; net: string };
};

export const CASH_FLOW_CHART_SIZE = { width: 1080, height: 1080 } as const;
const INCOME = '#16a34a';
const SPENDING = '#dc2626';

export function cashFlowChartSvg(input: CashFlowChartInput): string {
  const { width, height } = CASH_FLOW_CHART_SIZE;
  const pt = input.lang === 'pt';
  const months = input.months;
  const left = 60;
  const right = width - 40;
  const plotTop = 300;
  const plotBottom = height - 170;
  const plotH = plotBottom - plotTop;
  let max = 0n;
  for (const m of months) {
    for (const v of [centsOf(m.income), centsOf(m.spending)]) if (v > max) max = v;
  }
  const groupW = (right - left) / Math.max(1, months.length);
  const barW = Math.max(4, Math.floor(groupW * 0.36));
  const labelSize = months.length > 12 ? 18 : 24;
  const first = months[0]?.month;
  const last = months[months.length - 1]?.month;
  const period =
    first && last
      ? first === last
        ? monthTitle(first, input.lang)
        : `${monthTitle(first, input.lang)} – ${monthTitle(last, input.lang)}`
      : '';
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect data-role="background" width="${width}" height="${height}" fill="#ffffff"/>`,
    text(left, 90, 52, '#111827', pt ? 'Entradas e saídas' : 'Money in and out', 'title', 'bold'),
    text(left, 145, 32, '#4b5563', period, 'subtitle'),
    `<rect x="${left}" y="178" width="28" height="28" rx="4" fill="${INCOME}"/>`,
    text(
      left + 40,
      203,
      30,
      '#111827',
      `${pt ? 'Entradas' : 'In'} ${money(input.totals.income, input.lang, { noCents: true })}`,
      'total-income',
    ),
    `<rect x="${left + 500}" y="178" width="28" height="28" rx="4" fill="${SPENDING}"/>`,
    text(
      left + 540,
      203,
      30,
      '#111827',
      `${pt ? 'Saídas' : 'Out'} ${money(input.totals.spending, input.lang, { noCents: true })}`,
      'total-spending',
    ),
    text(
      left,
      256,
      32,
      '#111827',
      `${pt ? 'Saldo do período' : 'Net'}: ${money(input.totals.net, input.lang)}`,
      'total-net',
      'bold',
    ),
    `<line x1="${left}" y1="${plotBottom}" x2="${right}" y2="${plotBottom}" stroke="#9ca3af" stroke-width="2"/>`,
  ];
  months.forEach((m, i) => {
    const cx = left + groupW * i + groupW / 2;
    const hIn = Math.round(ratio(centsOf(m.income), max) * plotH);
    const hOut = Math.round(ratio(centsOf(m.spending), max) * plotH);
    const netNeg = centsOf(m.net) < 0n;
    parts.push(
      `<g data-role="month" data-month="${m.month}" data-income="${escapeXml(m.income)}" data-spending="${escapeXml(m.spending)}" data-net="${escapeXml(m.net)}">`,
      `<rect x="${Math.round(cx - barW - 2)}" y="${plotBottom - hIn}" width="${barW}" height="${hIn}" fill="${INCOME}"/>`,
      `<rect x="${Math.round(cx + 2)}" y="${plotBottom - hOut}" width="${barW}" height="${hOut}" fill="${SPENDING}"/>`,
      text(
        Math.round(cx),
        plotBottom + 36,
        labelSize,
        '#374151',
        monthShort(m.month, input.lang).slice(0, 3),
        'month-label',
        'normal',
        'middle',
      ),
      // The year under January and under the first month only: twelve "jan/26" do not fit side by side.
      i === 0 || m.month.endsWith('-01')
        ? text(
            Math.round(cx),
            plotBottom + 62,
            labelSize - 6,
            '#6b7280',
            m.month.slice(0, 4),
            'year-label',
            'normal',
            'middle',
          )
        : '',
      text(
        Math.round(cx),
        plotBottom + 98,
        labelSize - 4,
        netNeg ? SPENDING : INCOME,
        shortMoney(m.net),
        'net',
        'bold',
        'middle',
      ),
      '</g>',
    );
  });
  parts.push(
    text(
      left,
      height - 30,
      24,
      '#6b7280',
      pt
        ? 'Números abaixo das barras: saldo do mês (mil reais)'
        : 'Under the bars: net per month (thousand BRL)',
      'legend',
    ),
    '</svg>',
  );
  return parts.join('\n');
}

/** Net in thousands with one decimal ("+1,2k" / "−0,4k"): a month's column is narrow. */
function shortMoney(amount: string): string {
  const c = centsOf(amount);
  const neg = c < 0n;
  const a = neg ? -c : c;
  const tenths = (a + 5_000n) / 10_000n; // hundreds of reais
  const s = `${tenths / 10n},${tenths % 10n}k`;
  return tenths === 0n ? '0' : `${neg ? '−' : '+'}${s}`;
}
