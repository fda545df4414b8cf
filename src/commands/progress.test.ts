import { describe, expect, it } from 'vitest';
import { createProgress, progressListener } from './progress.ts';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns: 120, write: (s: string) => out.push(s) > 0 } };
}

describe('sync progress', () => {
  it('redraws one bar in place on a terminal', () => {
    const { out, stream } = sink(true);
    let t = 0;
    const p = createProgress(stream, { now: () => (t += 1000) });
    p.setTotal(4);
    p.tick(1, 'Conta Corrente', '500 transactions');
    p.tick(2, 'Cartão', '20 transactions');
    p.end();
    const text = out.join('');
    expect(out[0]).toMatch(/^\r\[#{6}-{18}\] {2}25% 1\/4 Conta Corrente · 500 transactions/);
    expect(text).toContain('\r[############------------]  50% 2/4 Cartão');
    expect(text.endsWith('\n')).toBe(true);
    // No line feed until the end: the bar overwrites itself.
    expect(text.slice(0, -1)).not.toContain('\n');
  });

  it('writes plain timestamped lines when not a terminal, without carriage returns or escapes', () => {
    const { out, stream } = sink(false);
    const p = createProgress(stream, { now: () => 0, plainEveryMs: 60_000 });
    p.setTotal(2);
    p.tick(0, 'Conta Corrente');
    p.tick(0, 'Conta Corrente', '500 transactions'); // same unit, throttled
    p.tick(1, 'Cartão');
    p.line('item x: synced');
    p.end();
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z 0\/2 Conta Corrente\n$/);
    expect(out[1]).toMatch(/ 1\/2 Cartão\n$/);
    expect(out[2]).toBe('item x: synced\n');
    const all = out.join('');
    expect(all.includes('\r') || all.includes('\u001b')).toBe(false);
  });

  it('counts accounts for one item and items for a backfill', () => {
    const calls: Array<[number, string, string | undefined]> = [];
    const reporter = {
      setTotal: (n: number) => calls.push([n, 'total', undefined]),
      tick: (d: number, l: string, dt?: string) => calls.push([d, l, dt]),
      line: () => {},
      end: () => {},
    };
    const one = progressListener(reporter, { accounts: true });
    one({ kind: 'item', itemId: 'abcdef123', status: 'UPDATED', accounts: 2 });
    one({ kind: 'account-start', itemId: 'abcdef123', accountId: 'a', name: 'Conta', index: 0, total: 2 });
    one({ kind: 'page', itemId: 'abcdef123', accountId: 'a', rows: 500, pages: 1 });
    one({ kind: 'account-done', itemId: 'abcdef123', accountId: 'a', rows: 500, index: 0, total: 2 });
    expect(calls).toEqual([
      [2, 'total', undefined],
      [0, 'item abcdef12', 'UPDATED, 2 accounts'],
      [0, 'Conta', undefined],
      [0, 'Conta', '500 transactions, 1 pages'],
      [1, 'Conta', '500 transactions'],
    ]);
    calls.length = 0;
    const many = progressListener(reporter, { item: { index: 3, total: 9 } });
    many({ kind: 'item', itemId: 'abcdef123', status: 'UPDATED', accounts: 2 });
    many({ kind: 'account-start', itemId: 'abcdef123', accountId: 'a', name: 'Conta', index: 1, total: 2 });
    many({ kind: 'page', itemId: 'abcdef123', accountId: 'a', rows: 7, pages: 1 });
    expect(calls.map((c) => c[0])).toEqual([3, 3, 3]);
    expect(calls.at(-1)?.[2]).toBe('2/2 Conta: 7 transactions, 1 pages');
  });
});
