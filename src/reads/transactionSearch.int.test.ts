import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluggyAccount, pluggyItem, pluggyTransaction } from '../db/fixtures.ts';
import { upsertAccounts } from '../db/queries/accounts.ts';
import { upsertItemFromPluggy } from '../db/queries/items.ts';
import { foldText, isoFromTimestamptz, SEARCH_TEXT, upsertTransactions } from '../db/queries/transactions.ts';
import { upsertUserByPhone } from '../db/queries/users.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { allPersonTransactions } from './transactions.ts';

/** Written as a bank would: mixed case, accents, a merchant or none, characters LIKE treats specially. */
const TEXTS: Array<[string | null, string | null]> = [
  ['PADARIA SÃO JOÃO', null],
  ['Pão de Açúcar', 'PÃO DE AÇÚCAR LTDA'],
  ['Compra cartão', 'Padaria Estrela'],
  ['padaria estrela 2', 'PADARIA ESTRELA'],
  ['Débito automático ÁGUA', null],
  [null, 'Farmácia São Paulo'],
  ['Desconto 100% aplicado', null],
  ['ref a_b', 'x'],
  ['Aplicação poupança', null],
];

describe('transaction text search (migration 012)', () => {
  let t: TestDatabase;
  let userId: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    ({
      user: { id: userId },
    } = await upsertUserByPhone(t.pool, '+5511912345678'));
    // Two items (the search merges one LATERAL per item), filler enough for the planner to weigh
    // the trigram index against reading rows in date order.
    for (let k = 0; k < 2; k++) {
      const item = pluggyItem({ clientUserId: userId });
      await upsertItemFromPluggy(t.pool, item, { userId });
      const acc = pluggyAccount();
      await upsertAccounts(t.pool, item.id, [acc]);
      const rows = Array.from({ length: 1500 }, (_, i) =>
        pluggyTransaction(acc.id, {
          description: `Mercado ${i}`,
          merchant: { name: 'Supermercado Central' },
          date: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString(),
        }),
      );
      TEXTS.forEach(([description, merchant], i) => {
        rows.push(
          pluggyTransaction(acc.id, {
            description,
            merchant: merchant ? { name: merchant } : null,
            date: new Date(Date.UTC(2025, 1, 1) + (i * 2 + k) * 86_400_000).toISOString(),
          }),
        );
      });
      await upsertTransactions(t.pool, item.id, rows);
    }
    await t.pool.query('ANALYZE transactions');
  });
  afterAll(() => t?.drop());

  async function search(q: string) {
    const out: Array<{ id: string; description: string | null; merchant: string | null }> = [];
    for await (const page of allPersonTransactions(t.pool, userId, { q, limit: 500 })) {
      out.push(
        ...page.map((r) => ({ id: r.id, description: r.description, merchant: r.merchant?.name ?? null })),
      );
    }
    return out;
  }

  it('finds, in any case or accents, exactly the rows whose description or merchant holds the words', async () => {
    const { rows: all } = await t.pool.query<{ id: string; text: string }>(
      `SELECT id, coalesce(description, '') || ' ' || coalesce(merchant_name, '') AS text FROM transactions`,
    );
    const expected = (q: string) =>
      all
        .filter((r) => foldText(r.text).includes(foldText(q)))
        .map((r) => r.id)
        .sort();
    for (const q of [
      'PADARIA',
      'são joão',
      'SAO JOAO',
      'pão',
      'acucar',
      'FARMÁCIA',
      'água',
      'poupanca',
      '100%',
      'a_b',
    ]) {
      const found = await search(q);
      expect(found.map((r) => r.id).sort(), q).toEqual(expected(q));
      expect(found.length, q).toBeGreaterThan(0);
    }
    // `%` and `_` are the person's characters, not wildcards.
    expect(await search('0%')).toHaveLength(2);
    expect(await search('10%')).toEqual([]);
    expect(await search('a_')).toHaveLength(2);
    expect(await search('zzzz')).toEqual([]);
  });

  it('matches with the very expression migration 012 indexes', async () => {
    // Index scans barred but bitmap scans allowed: a plan without the trigram index can only mean
    // SEARCH_TEXT and the indexed expression have drifted apart. (Whether the whole search takes it
    // is the planner's choice by how many rows the word matches.)
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN; SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = off');
      const { rows } = await client.query(
        `EXPLAIN SELECT t.id FROM transactions t WHERE ${SEARCH_TEXT} LIKE $1`,
        ['%estrela%'],
      );
      await client.query('ROLLBACK');
      expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('transactions_search_text_trgm_idx');
    } finally {
      client.release();
    }
  });

  it("reads PostgreSQL's timestamptz text as the ISO string pg's Date would give, in any session time zone", async () => {
    const client = await t.pool.connect();
    try {
      for (const zone of ['UTC', 'America/Sao_Paulo', 'Asia/Kolkata']) {
        await client.query(`SET TimeZone = '${zone}'`);
        const { rows } = await client.query<{ text: string; epoch: string }>(
          `SELECT v::text AS text, (extract(epoch FROM v) * 1000)::text AS epoch
           FROM unnest($1::timestamptz[]) AS v`,
          [
            [
              '2025-01-31T00:00:00Z',
              '2025-01-31T12:34:56.7Z',
              '2025-06-01T23:59:59.123456Z',
              '0099-03-01T10:00:00Z',
            ],
          ],
        );
        for (const r of rows) {
          expect(isoFromTimestamptz(r.text), `${zone} ${r.text}`).toBe(
            new Date(Math.trunc(Number(r.epoch))).toISOString(),
          );
        }
      }
    } finally {
      await client.query('RESET TimeZone');
      client.release();
    }
  });
});
