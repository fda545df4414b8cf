import { describe, expect, it } from 'vitest';
import { type Charge, detectRecurring, foldDescription, monthlyTotal } from './detectRecurring.ts';

let n = 0;
const c = (key: string, day: string, amount: string): Charge => ({
  id: `t${++n}`,
  day,
  amount,
  key,
  name: key,
  categoryId: null,
});
const monthly = (key: string, from: number, to: number, amount: (m: number) => string, day = 10) =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const m = from + i; // months since 2025-01
    const y = 2025 + Math.floor(m / 12);
    return c(key, `${y}-${String((m % 12) + 1).padStart(2, '0')}-${day}`, amount(m));
  });

describe('detectRecurring', () => {
  const today = '2026-02-20';

  it('monthly with one price change, stopped ones, yearly from two charges, weekly', () => {
    const rows = [
      ...monthly('gym', 0, 13, (m) => (m < 10 ? '99.90' : '119.90')),
      ...monthly('music', 0, 8, () => '21.90', 25), // last charge 2025-09-25
      c('fee', '2025-02-15', '480.00'),
      c('fee', '2026-02-15', '480.00'),
      ...Array.from({ length: 10 }, (_, i) =>
        c('box', new Date(Date.UTC(2025, 11, 12 + i * 7)).toISOString().slice(0, 10), '89.90'),
      ),
    ];
    const found = Object.fromEntries(detectRecurring(rows, today).map((s) => [s.key, s]));
    expect(Object.keys(found).sort()).toEqual(['box', 'fee', 'gym', 'music']);
    expect(found.gym).toMatchObject({
      cadence: 'monthly',
      amount: '119.90',
      status: 'active',
      nextExpectedDay: '2026-03-10',
      priceChanges: [{ day: '2025-11-10', from: '99.90', to: '119.90' }],
    });
    expect(found.music).toMatchObject({ status: 'stopped', lastDay: '2025-09-25' });
    expect(found.fee).toMatchObject({
      cadence: 'yearly',
      occurrences: 2,
      nextExpectedDay: '2027-02-15',
      monthlyAmount: '40.00',
    });
    expect(found.box).toMatchObject({ cadence: 'weekly', occurrences: 10, monthlyAmount: '389.57' });
    // 119.90 + 40.00 + 89.90 × 52 / 12 (389.5666…); the stopped plan is left out.
    expect(monthlyTotal(Object.values(found))).toBe('549.47');
  });

  it('finds nothing among one-off purchases: a shop visited often, amounts all over the place', () => {
    const rows: Charge[] = [];
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let i = 0; i < 400; i++) {
      const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(rand() * 410) * 86_400_000)
        .toISOString()
        .slice(0, 10);
      rows.push(
        c(
          ['market', 'bakery', 'fuel', 'pharmacy'][i % 4]!,
          day,
          (20 + Math.floor(rand() * 50_000) / 100).toFixed(2),
        ),
      );
    }
    expect(detectRecurring(rows, today)).toEqual([]);
  });

  it('two yearly charges of different amounts, or a third purchase the same year, are not a subscription', () => {
    expect(detectRecurring([c('a', '2025-02-01', '480.00'), c('a', '2026-02-01', '530.00')], today)).toEqual(
      [],
    );
    expect(
      detectRecurring(
        [
          c('b', '2025-02-01', '300.00'),
          c('b', '2025-06-01', '80.00'),
          c('b', '2025-09-01', '45.00'),
          c('b', '2025-11-01', '120.00'),
          c('b', '2026-02-01', '300.00'),
        ],
        today,
      ),
    ).toEqual([]);
  });

  it('groups descriptions that differ in digits and accents', () => {
    expect(foldDescription('NETFLIX.COM 0123')).toBe(foldDescription('Netflix.com 9876'));
    expect(foldDescription('Pão de Açúcar')).toBe('pao de acucar');
  });
});
