import { describe, expect, it } from 'vitest';
import { buildConnectors } from './connectors.ts';
import { closingFor } from './cards.ts';
import { generateWorld } from './generate.ts';
import { DEFAULT_SIZE, type GenerateParams } from './model.ts';
import { compareRows, toTransaction } from './rows.ts';

const connectors = buildConnectors();
const NOW = Date.parse('2025-06-15T12:00:00.000Z');

function params(over: Partial<GenerateParams> = {}): GenerateParams {
  const connector = connectors.get(2)!;
  return {
    seed: 42,
    ordinal: 1,
    itemId: '11111111-1111-4111-8111-111111111111',
    connector,
    products: connector.products,
    size: { ...DEFAULT_SIZE, transactionsPerAccount: 120 },
    nowMs: NOW,
    ...over,
  };
}

const fingerprint = (w: ReturnType<typeof generateWorld>) =>
  w.accounts.map((a) => ({
    id: a.account.id,
    balance: a.account.balance,
    rows: a.rows.map((r) => `${r.id} ${r.amount} ${r.t.description} ${r.date}`),
    bills: a.bills.map((b) => `${b.id} ${b.totalAmount}`),
  }));

describe('world generation', () => {
  it('is deterministic: same seed and clock give the same ids, amounts and descriptions', () => {
    expect(fingerprint(generateWorld(params()))).toEqual(fingerprint(generateWorld(params())));
    expect(fingerprint(generateWorld(params({ seed: 43 })))).not.toEqual(
      fingerprint(generateWorld(params())),
    );
    expect(fingerprint(generateWorld(params({ ordinal: 2 })))).not.toEqual(
      fingerprint(generateWorld(params())),
    );
  });

  it('honours the size knob exactly and keeps every account in cursor order', () => {
    const w = generateWorld(
      params({ size: { bankAccounts: 3, cardAccounts: 2, transactionsPerAccount: 250, historyMonths: 13 } }),
    );
    expect(w.accounts.map((a) => a.kind)).toEqual(['checking', 'savings', 'checking', 'card', 'card']);
    for (const a of w.accounts) {
      expect(a.rows).toHaveLength(250);
      for (let i = 1; i < a.rows.length; i++) expect(compareRows(a.rows[i - 1]!, a.rows[i]!)).toBeLessThan(0);
      // 12+ months of history.
      expect(NOW - a.rows[0]!.date).toBeGreaterThan(365 * 86_400_000 * 0.97);
    }
  });

  it('models cards: closed bills sum their rows, open-cycle rows are pending without billId', () => {
    const w = generateWorld(params({ size: { ...DEFAULT_SIZE, transactionsPerAccount: 400 } }));
    const card = w.accounts.find((a) => a.kind === 'card')!;
    expect(card.bills.length).toBeGreaterThanOrEqual(12);
    for (const bill of card.bills) {
      const rows = card.rows.filter((r) => r.cc?.billId === bill.id && r.t.kind !== 'card-payment');
      const sum = rows.reduce((s, r) => s + (r.fx ?? r.amount), 0);
      expect(Math.round(bill.totalAmount * 100)).toBe(Math.max(0, sum));
    }
    const today = Date.parse('2025-06-15T00:00:00.000Z');
    for (const r of card.rows) {
      const open = closingFor(r.date, card.card!.closingDay) >= today;
      // Bill payments post at once; purchases stay pending until their bill closes.
      if (r.t.kind !== 'card-payment') expect(r.status).toBe(open ? 'PENDING' : 'POSTED');
      expect(Boolean(r.cc?.billId)).toBe(!open);
    }
    expect(card.rows.some((r) => (r.cc?.totalInstallments ?? 0) > 1)).toBe(true);
    expect(card.account.creditData?.creditLimit).toBeGreaterThan(0);
  });

  it('serialises rows in Pluggy shape: signs, exact date format, PIX payment data', () => {
    const w = generateWorld(params());
    const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    const checking = w.accounts.find((a) => a.kind === 'checking')!;
    const txs = checking.rows.map((r) => toTransaction(r, true));
    for (const t of txs) {
      expect(t.date).toMatch(ISO);
      expect(t.createdAt).toMatch(ISO);
      expect(Math.sign(t.amount)).toBe(t.type === 'DEBIT' ? -1 : 1);
    }
    const pix = txs.find((t) => t.operationType === 'PIX' && t.paymentData);
    expect(pix?.paymentData?.paymentMethod).toBe('PIX');
    expect(pix?.paymentData?.referenceNumber).toMatch(/^E\d{8}\d{12}/);
    const card = w.accounts.find((a) => a.kind === 'card')!;
    const purchase = card.rows.map((r) => toTransaction(r, true)).find((t) => t.type === 'DEBIT');
    expect(purchase?.amount).toBeGreaterThan(0);
    expect(purchase?.creditCardMetadata?.cardNumber).toBe(card.account.number);
  });

  it('generates 200k transactions for one item (the benchmark ceiling)', () => {
    const w = generateWorld(
      params({
        size: { bankAccounts: 10, cardAccounts: 10, transactionsPerAccount: 10_000, historyMonths: 13 },
      }),
    );
    expect(w.accounts.reduce((s, a) => s + a.rows.length, 0)).toBe(200_000);
    expect(new Set(w.accounts.flatMap((a) => a.rows.map((r) => r.id))).size).toBe(200_000);
  });
});
