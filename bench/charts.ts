/**
 * Charts: `npx tsx bench/charts.ts [--rounds 50]`.
 *
 * Renders the two WhatsApp charts as the routes do — spending by category (1080×1350, nine bars)
 * and a 12-month cash flow (1080×1080) — SVG built from decimal strings, then PNG through resvg with
 * the npm DejaVu fonts. p50/p99 over the rounds after a warm-up, SVG and PNG steps apart. Every
 * round draws other figures (a cold render: svgToPng keeps the last PNGs by their SVG); the
 * "repeat" column asks for the same chart again, which the cache answers.
 * Goal: a chart (SVG + PNG) < 100 ms. Not a test: nothing asserts a speed. Prints a markdown table
 * and writes bench/results/charts.md with the machine's load at the time.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cashFlowChartSvg } from '../src/charts/cashFlowChart.ts';
import { svgToPng } from '../src/charts/png.ts';
import { spendingChartSvg } from '../src/charts/spendingChart.ts';
import { resultsDir } from './resultsDir.ts';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '50' } } });
const rounds = Math.max(5, Number(args.rounds));

const NAMES = [
  'Supermercado',
  'Alimentação',
  'Transporte',
  'Compras',
  'Serviços',
  'Saúde',
  'Lazer',
  'Viagens',
  'Educação',
  'Casa',
  'Impostos',
];
const spending = {
  month: '2026-11',
  lang: 'pt' as const,
  total: '12345.67',
  categories: NAMES.map((name, i) => ({
    categoryId: `${String(i + 1).padStart(2, '0')}000000`,
    name,
    amount: `${(NAMES.length - i) * 137}.${String(i * 7).padStart(2, '0')}`,
    share: `0.${String(90 - i * 8).padStart(4, '0')}`,
  })),
};
const cashFlow = {
  lang: 'pt' as const,
  months: Array.from({ length: 12 }, (_, i) => ({
    month: `2026-${String(i + 1).padStart(2, '0')}`,
    income: `${9000 + i * 211}.10`,
    spending: `${7000 + ((i * 977) % 3000)}.55`,
    net: `${2000 + i * 211 - ((i * 977) % 3000)}.55`,
  })),
  totals: { income: '121932.20', spending: '98765.43', net: '23166.77' },
};

type Timing = { svg: number[]; png: number[]; total: number[]; repeat: number[]; bytes: number };
/** `build(i)` draws round i's figures: a different SVG every round, so each PNG is rendered. */
function measure(build: (round: number) => string): Timing {
  for (let i = 0; i < 3; i++) svgToPng(build(-1 - i)); // warm-up: fonts loaded, code compiled
  const t: Timing = { svg: [], png: [], total: [], repeat: [], bytes: 0 };
  for (let i = 0; i < rounds; i++) {
    const a = performance.now();
    const svg = build(i);
    const b = performance.now();
    const png = svgToPng(svg);
    const c = performance.now();
    svgToPng(build(i));
    const d = performance.now();
    t.svg.push(b - a);
    t.png.push(c - b);
    t.total.push(c - a);
    t.repeat.push(d - c);
    t.bytes = png.length;
  }
  return t;
}
/** The amount plus `round` whole reais (round ≥ -3): another figure, so another SVG, every round. */
const bump = (amount: string, round: number) => {
  const [int = '0', frac = '00'] = amount.split('.');
  return `${Number(int) + round + 3}.${frac}`;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ms = (v: number) => v.toFixed(2);

const load = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' / ');
const results = [
  [
    'spending (1080×1350)',
    measure((round) => spendingChartSvg({ ...spending, total: bump(spending.total, round) })),
  ],
  [
    'cash flow, 12 months (1080×1080)',
    measure((round) =>
      cashFlowChartSvg({
        ...cashFlow,
        totals: { ...cashFlow.totals, income: bump(cashFlow.totals.income, round) },
      }),
    ),
  ],
] as const;
const lines = [
  `| chart | SVG p50 | SVG p99 | PNG p50 | PNG p99 | total p50 | total p99 | repeat p99 | PNG size |`,
  `|---|---|---|---|---|---|---|---|---|`,
  ...results.map(
    ([name, t]) =>
      `| ${name} | ${ms(pct(t.svg, 50))} ms | ${ms(pct(t.svg, 99))} ms | ${ms(pct(t.png, 50))} ms | ${ms(pct(t.png, 99))} ms | ${ms(pct(t.total, 50))} ms | ${ms(pct(t.total, 99))} ms | ${ms(pct(t.repeat, 99))} ms | ${(t.bytes / 1024).toFixed(0)} KiB |`,
  ),
];
const table = lines.join('\n');
process.stdout.write(
  `${table}\n\n${rounds} rounds each; load average (1/5/15 min) ${load} on ${os.cpus().length} CPUs; Node ${process.version}\n`,
);
const doc = `# Chart rendering

\`npm run bench -- charts\` (bench/charts.ts): each chart built as SVG from decimal strings and rendered
to PNG by resvg with the npm DejaVu fonts, one after the other in one process, ${rounds} rounds after a
warm-up. Goal: a chart (SVG + PNG) under 100 ms.

${table}

Run ${new Date().toISOString()}; load average (1/5/15 min) ${load} on ${os.cpus().length} CPUs (a machine
shared with other builds and tests, so figures are upper bounds); Node ${process.version}.
Building the SVG costs well under a millisecond; the PNG step is resvg's rasterising and PNG encoding.
Every round draws other figures, so each PNG is rendered; "repeat" asks for the same chart again,
answered from the PNGs kept by their SVG (src/charts/png.ts).
`;
await writeFile(path.join(resultsDir(), 'charts.md'), doc);
