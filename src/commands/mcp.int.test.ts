import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listAssistantToolCalls } from '../db/queries/assistantToolCalls.ts';
import { upsertAccounts } from '../db/queries/accounts.ts';
import { upsertItemFromPluggy } from '../db/queries/items.ts';
import { type PluggyTransactionIn, upsertTransactions } from '../db/queries/transactions.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { listAccountViews } from '../reads/accounts.ts';
import { ensurePerson } from '../reads/people.ts';
import { listPersonTransactions, TransactionFilterSchema } from '../reads/transactions.ts';

/**
 * `npm run cli -- mcp --phone …` as a desktop assistant starts it: the compiled CLI as a child
 * process, spoken to by the SDK's own client over stdio. Every figure equals the read layer's
 * (what the REST API answers), and only the named person is ever seen.
 */
let t: TestDatabase;
let ana: string;
let client: Client;
let stderr = '';

const tx = (
  id: string,
  accountId: string,
  day: number,
  amount: string,
  description: string,
): PluggyTransactionIn => ({
  id,
  accountId,
  date: `2026-01-${String(day).padStart(2, '0')}T12:00:00.000Z`,
  description,
  amount,
  currencyCode: 'BRL',
  type: amount.startsWith('-') ? 'DEBIT' : 'CREDIT',
  status: 'POSTED',
  merchant: { name: 'MERCADO CENTRAL' },
  createdAt: '2026-01-28T00:00:00.000Z',
});

beforeAll(async () => {
  t = await createTestDatabase();
  ana = (await ensurePerson(t.pool, '11 98765-4321')).user.id;
  const bia = (await ensurePerson(t.pool, '+55 21 99876-5432')).user.id;
  for (const [user, item, account, balance] of [
    [ana, 'item-a', 'acc-a', '2315.8700'],
    [bia, 'item-b', 'acc-b', '99.0000'],
  ] as const) {
    await upsertItemFromPluggy(t.pool, { id: item, status: 'UPDATED', clientUserId: user }, { userId: user });
    await upsertAccounts(t.pool, item, [
      { id: account, type: 'BANK', name: 'Conta', number: '0001/12345-6', balance, currencyCode: 'BRL' },
    ]);
  }
  const rows: PluggyTransactionIn[] = [];
  for (let d = 1; d <= 28; d++) rows.push(tx(`a-${d}`, 'acc-a', d, `-${d}.50`, `COMPRA ${d}`));
  await upsertTransactions(t.pool, 'item-a', rows);
  await upsertTransactions(t.pool, 'item-b', [tx('b-1', 'acc-b', 3, '-9.99', 'COMPRA DA BIA')]);

  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['scripts/run.mjs', 'mcp', '--phone', '+5511987654321'],
    env: { ...(process.env as Record<string, string>), DATABASE_URL: t.url, LOG_LEVEL: 'debug' },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  client = new Client({ name: 'desktop-assistant', version: '1.0.0' });
  await client.connect(transport);
}, 180_000);
afterAll(async () => {
  await client?.close();
  await t?.drop();
});

describe('mcp over stdio (the CLI command)', () => {
  it('lists the read tools only (no act scope asked for)', async () => {
    const names = (await client.listTools()).tools.map((x) => x.name);
    expect(names).toEqual(
      expect.arrayContaining(['list_connections', 'get_balances', 'search_transactions']),
    );
    expect(names).not.toContain('refresh_connection');
  });

  it("answers the named person's figures, as the read layer does, and nobody else's", async () => {
    const conns = (await client.callTool({ name: 'list_connections', arguments: {} })).structuredContent as {
      connections: Array<{ itemId: string }>;
    };
    expect(conns.connections.map((c) => c.itemId)).toEqual(['item-a']);

    const bal = (await client.callTool({ name: 'get_balances', arguments: {} })).structuredContent as {
      accounts: Array<{ accountId: string; balance: string; number: string }>;
    };
    const views = await listAccountViews(t.pool, ana);
    expect(bal.accounts.map((a) => [a.accountId, a.balance])).toEqual(views.map((a) => [a.id, a.balance]));
    expect(bal.accounts[0]?.number).toBe('****3456');

    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const r = await client.callTool({ name: 'search_transactions', arguments: { limit: 7, cursor } });
      const s = r.structuredContent as {
        transactions: Array<{ transactionId: string; amount: string }>;
        nextCursor: string | null;
      };
      ids.push(...s.transactions.map((x) => x.transactionId));
      cursor = s.nextCursor ?? undefined;
    } while (cursor);
    const rest = await listPersonTransactions(t.pool, ana, TransactionFilterSchema.parse({ limit: 500 }));
    expect(ids).toEqual(rest.data.map((r) => r.id));
    expect(ids).not.toContain('b-1');

    const refused = await client.callTool({ name: 'refresh_connection', arguments: { itemId: 'item-a' } });
    expect(refused.isError).toBe(true);
  });

  it('audits each call without a token id, and keeps stdout for the protocol', async () => {
    const audit = await listAssistantToolCalls(t.pool, ana);
    expect(audit.length).toBeGreaterThanOrEqual(4);
    expect(audit.every((a) => a.tokenId === null)).toBe(true);
    expect(audit.map((a) => a.outcome)).toContain('error:scope-missing');
    // Each call is logged (stderr) with the tool, the outcome and the person's phone masked.
    await vi.waitFor(() =>
      expect(stderr).toMatch(/"phone":"\+55119\*{4}4321","tool":"get_balances","outcome":"ok"/),
    );
    expect(stderr).not.toContain('987654321');
  });
});
