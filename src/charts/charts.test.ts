import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CASH_FLOW_CHART_SIZE, cashFlowChartSvg } from './cashFlowChart.ts';
import { money, percent } from './format.ts';
import { svgToPng } from './png.ts';
import { SPENDING_CHART_SIZE, spendingBars, spendingChartSvg } from './spendingChart.ts';

const categories = Array.from({ length: 11 }, (_, i) => ({
  categoryId: `${String(i + 1).padStart(2, '0')}000000`,
  name: i === 0 ? 'Alimentação & "bebidas" <fora>' : `Categoria ${i + 1}`,
  amount: `${(11 - i) * 100}.${String(i).padStart(2, '0')}`,
  share: `0.0${i}`,
}));
const spending = { month: '2026-03', lang: 'pt' as const, total: '6655.55', categories };

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer) {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const roles = (svg: string, role: string) =>
  [...svg.matchAll(new RegExp(`data-role="${role}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);

describe('charts', () => {
  it('money and shares are written from the decimal strings, Brazilian style', () => {
    expect(money('1234.565', 'pt')).toBe('R$ 1.234,57');
    expect(money('-0.004', 'pt')).toBe('R$ 0,00');
    expect(money('-1000000.10', 'pt')).toBe('−R$ 1.000.000,10');
    expect(money('1234.50', 'en')).toBe('R$ 1,234.50');
    expect(money('99999.50', 'pt', { noCents: true })).toBe('R$ 100.000');
    expect(percent('0.2514')).toBe('25%');
    expect(percent('0.0005')).toBe('0%');
    expect(percent('1')).toBe('100%');
  });

  it('spending: biggest first, eight bars and the rest folded into "Outras", labels escaped', () => {
    const bars = spendingBars(spending);
    expect(bars).toHaveLength(9);
    expect(bars[0]!.amount).toBe('1100.00');
    expect(bars[8]).toMatchObject({ id: 'other', label: 'Outras (3)', amount: '600.27', share: '0.1800' });
    const svg = spendingChartSvg(spending);
    expect(svg).toMatch(/^<svg [^>]*width="1080" height="1350"/);
    expect(roles(svg, 'title')).toEqual(['Gastos por categoria']);
    expect(roles(svg, 'subtitle')).toEqual(['março de 2026']);
    expect(roles(svg, 'total')).toEqual(['Total: R$ 6.655,55']);
    expect(roles(svg, 'label')[0]).toBe('Alimentação &amp; &quot;bebidas&quot; &lt;fo…');
    expect(roles(svg, 'value')[0]).toBe('R$ 1.100,00  0%');
    expect([...svg.matchAll(/data-role="bar"/g)]).toHaveLength(9);
    // Bar lengths follow the amounts: the biggest category is the longest, "Outras" comes last.
    const widths = [...svg.matchAll(/<rect x="60" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1]));
    const eight = widths.slice(0, 8);
    expect(eight).toEqual([...eight].sort((a, b) => b - a));
    expect(widths[8]).toBe(Math.round((60027 / 110000) * (SPENDING_CHART_SIZE.width - 120)));
    expect(widths[0]).toBe(SPENDING_CHART_SIZE.width - 120);
  });

  it('spending in English, and an empty month says so', () => {
    const svg = spendingChartSvg({ ...spending, lang: 'en', categories: [], total: '0' });
    expect(roles(svg, 'title')).toEqual(['Spending by category']);
    expect(roles(svg, 'empty')).toEqual(['No spending this month']);
  });

  it('cash flow: one group per month with its figures, totals on top', () => {
    const months = ['2025-11', '2025-12', '2026-01'].map((month, i) => ({
      month,
      income: `${5000 + i}.00`,
      spending: `${4000 + i * 1500}.00`,
      net: `${1000 - i * 1499}.00`,
    }));
    const svg = cashFlowChartSvg({
      lang: 'pt',
      months,
      totals: { income: '15003.00', spending: '16500.00', net: '-1497.00' },
    });
    expect(svg).toMatch(/^<svg [^>]*width="1080" height="1080"/);
    expect(roles(svg, 'month-label')).toEqual(['nov', 'dez', 'jan']);
    expect(roles(svg, 'year-label')).toEqual(['2025', '2026']);
    expect(roles(svg, 'net')).toEqual(['+1,0k', '−0,5k', '−2,0k']);
    expect(roles(svg, 'total-net')).toEqual(['Saldo do período: −R$ 1.497,00']);
    expect(roles(svg, 'subtitle')).toEqual(['novembro de 2025 – janeiro de 2026']);
  });

  it('renders PNGs of the stated size without a browser', () => {
    const png = svgToPng(spendingChartSvg(spending));
    expect(pngSize(png)).toEqual(SPENDING_CHART_SIZE);
    // The image data inflates to every row (filter byte + RGBA); the corner is the white background
    // and the first bar's colour is where the bar is drawn.
    const idat = png.indexOf('IDAT');
    const rows = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
    const { width, height } = SPENDING_CHART_SIZE;
    expect(rows.length).toBe((width * 4 + 1) * height);
    const at = (x: number, y: number) =>
      rows.subarray(y * (width * 4 + 1) + 1 + x * 4, y * (width * 4 + 1) + 5 + x * 4).toString('hex');
    expect(at(0, 0)).toBe('ffffffff');
    expect(at(500, 250 + 56 + 10)).toBe('2563ebff');
    const svg = cashFlowChartSvg({
      lang: 'en',
      months: [{ month: '2026-01', income: '1.00', spending: '2.00', net: '-1.00' }],
      totals: { income: '1.00', spending: '2.00', net: '-1.00' },
    });
    expect(pngSize(svgToPng(svg))).toEqual(CASH_FLOW_CHART_SIZE);
  });

  it('hands out the PNG of an SVG it rendered before, and renders another SVG anew', () => {
    const svg = spendingChartSvg(spending);
    const first = svgToPng(svg);
    expect(svgToPng(svg)).toBe(first);
    const other = svgToPng(spendingChartSvg({ ...spending, total: '1.00' }));
    expect(other).not.toBe(first);
    expect(other.equals(first)).toBe(false);
  });
});
