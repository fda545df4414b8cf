/**
 * MCP tool calls (search_transactions, spending_summary, get_balances): `npx tsx bench/mcp.ts [--transactions 50000] [--calls 400] [--only <tool>]` (also `npm run bench -- mcp`).
 *
 * One person with 50 000 transactions over 2 years in 4 accounts (written straight to a fresh test
 * database: this measures reading, not syncing). Each tool is called `--calls` times, one call at a
 * time, by the SDK's own client, two ways:
 * - http: Client + StreamableHTTPClientTransport against /mcp on the service's Fastify server —
 *   what an assistant pays: token check (signature, revocation, person), a server per request,
 *   the tool, its audit row, JSON over a keep-alive connection;
 * - in-process: Client + InMemoryTransport to the same server: the tool and the protocol alone.
 * search_transactions rotates through an unfiltered first page, a text search, an amount range with
 * a type and a date range, and a second page by cursor. Not a test: nothing asserts a speed. Prints
 * a markdown table and writes bench/results/mcp.md. Goal: p99 < 20 ms over HTTP.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { upsertAccounts } from '../src/db/queries/accounts.ts';
import { upsertItemFromPluggy } from '../src/db/queries/items.ts';
import { type PluggyTransactionIn, upsertTransactions } from '../src/db/queries/transactions.ts';
import { createTestDatabase } from '../src/db/testing.ts';
import { buildServer } from '../src/http/server.ts';
import { createLogger } from '../src/log.ts';
import { mcpRoutes } from '../src/mcp/http.ts';
import { createMcpServer } from '../src/mcp/server.ts';
import type { McpDeps } from '../src/mcp/tool.ts';
import { mintAssistantToken } from '../src/reads/assistantTokens.ts';
import { ensurePerson } from '../src/reads/people.ts';
import { resultsDir } from './resultsDir.ts';

const { values: args } = parseArgs({
  options: {
    transactions: { type: 'string', default: '50000' },
    calls: { type: 'string', default: '400' },
    // e.g. `--only search_transactions`: one tool's rows, for a quick before/after of its query.
    only: { type: 'string' },
  },
});
const TOTAL = Number(args.transactions);
const CALLS = Number(args.calls);
const SECRET = 'bench-link-secret-0123456789abcdef';
const MERCHANTS = [
  'MERCADO CENTRAL',
  'PADARIA ESTRELA',
  'POSTO SHELL',
  'FARMACIA SAO JOAO',
  'UBER *TRIP',
  'IFOOD',
];

const db = await createTestDatabase();
const logger = createLogger('silent');
const { user } = await ensurePerson(db.pool, '+5511987654321');
await upsertItemFromPluggy(
  db.pool,
  { id: 'bench-item', status: 'UPDATED', clientUserId: user.id },
  { userId: user.id },
);
const accountIds = ['acc-1', 'acc-2', 'acc-3', 'acc-4'];
await upsertAccounts(
  db.pool,
  'bench-item',
  accountIds.map((id, i) => ({
    id,
    type: i < 2 ? 'BANK' : 'CREDIT',
    name: `Conta ${i + 1}`,
    balance: '1000.0000',
    currencyCode: 'BRL',
  })),
);
const start = Date.parse('2024-12-01T00:00:00Z');
const span = 730 * 86_400_000;
for (let b = 0; b < TOTAL; b += 5000) {
  const rows: PluggyTransactionIn[] = [];
  for (let i = b; i < Math.min(TOTAL, b + 5000); i++) {
    const debit = i % 7 !== 0;
    const cents = 100 + ((i * 7919) % 50_000);
    rows.push({
      id: `tx-${i}`,
      accountId: accountIds[i % 4] as string,
      date: new Date(start + Math.floor((i / TOTAL) * span)).toISOString(),
      description: `${MERCHANTS[i % MERCHANTS.length]} ${i}`,
      amount: `${debit ? '-' : ''}${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
      currencyCode: 'BRL',
      type: debit ? 'DEBIT' : 'CREDIT',
      status: 'POSTED',
      categoryId: ['01000000', '05000000', '11000000', '19000000'][i % 4] as string,
      merchant: { name: MERCHANTS[i % MERCHANTS.length] as string },
      createdAt: new Date(start + Math.floor((i / TOTAL) * span)).toISOString(),
    });
  }
  await upsertTransactions(db.pool, 'bench-item', rows);
}
await db.pool.query('ANALYZE');

const deps: McpDeps = {
  pool: db.pool,
  logger,
  connect: { pool: db.pool, linkSecret: SECRET, publicBaseUrl: 'http://127.0.0.1' },
  refreshItem: async () => 'accepted',
};
const http = await buildServer({ logger, pool: db.pool, plugins: [mcpRoutes({ ...deps, secret: SECRET })] });
await http.listen({ port: 0, host: '127.0.0.1' });
const address = http.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
const { token } = mintAssistantToken(SECRET, user.id, { scopes: ['read'], ttlMinutes: 60 });

const httpClient = new Client({ name: 'bench', version: '1' });
await httpClient.connect(
  new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  }),
);
const memClient = new Client({ name: 'bench', version: '1' });
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await createMcpServer(deps, {
  userId: user.id,
  maskedPhone: '+55119****4321',
  tokenId: null,
  scopes: ['read'],
}).connect(serverSide);
await memClient.connect(clientSide);

const firstPage = (await memClient.callTool({ name: 'search_transactions', arguments: {} }))
  .structuredContent as {
  nextCursor: string;
};
const SEARCHES = [
  {},
  { text: 'padaria' },
  { type: 'DEBIT', minAmount: '-500', maxAmount: '-10', from: '2025-06-01', to: '2025-12-31' },
  { cursor: firstPage.nextCursor },
];

type Row = { tool: string; via: string; calls: number; p50: number; p99: number; max: number };
async function measure(
  client: Client,
  via: string,
  tool: string,
  argsFor: (i: number) => Record<string, unknown>,
) {
  for (let i = 0; i < 20; i++) await client.callTool({ name: tool, arguments: argsFor(i) }); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    const r = await client.callTool({ name: tool, arguments: argsFor(i) });
    ms.push(performance.now() - t0);
    if (r.isError) throw new Error(`${tool} failed: ${JSON.stringify(r.content)}`);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] as number;
  return { tool, via, calls: CALLS, p50: q(0.5), p99: q(0.99), max: ms.at(-1) as number } satisfies Row;
}

const LABELS = ['first page', 'text "padaria"', 'type+amounts+dates', 'page 2 (cursor)'];
const benches: Array<[string, string, (i: number) => Record<string, unknown>]> = [
  ['search_transactions', 'mixed', (i) => SEARCHES[i % SEARCHES.length] as Record<string, unknown>],
  ...SEARCHES.map(
    (a, k) =>
      ['search_transactions', LABELS[k] as string, () => a] as [
        string,
        string,
        () => Record<string, unknown>,
      ],
  ),
  ['spending_summary', 'month 2026-06', () => ({ month: '2026-06' })],
  ['get_balances', '', () => ({})],
];
const rows: Row[] = [];
for (const [tool, label, argsFor] of benches) {
  if (args.only && tool !== args.only) continue;
  const name = label ? `${tool} (${label})` : tool;
  rows.push({ ...(await measure(httpClient, 'http', tool, argsFor)), tool: name });
  rows.push({ ...(await measure(memClient, 'in-process', tool, argsFor)), tool: name });
}

const f = (n: number) => n.toFixed(1);
const table = [
  '| tool | via | calls | p50 ms | p99 ms | max ms |',
  '|---|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.tool} | ${r.via} | ${r.calls} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} |`),
].join('\n');
const load = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' / ');
const out = `${table}\n\n${TOTAL.toLocaleString('en')} transactions, one call at a time; load average (1/5/15 min) at the end: ${load}; ${os.cpus().length} cores, Node ${process.version}.\n`;
process.stdout.write(`${out}\n`);
await mkdir(resultsDir(), { recursive: true });
await writeFile(
  path.join(resultsDir(), 'mcp.md'),
  `# MCP tool-call latency\n\n\`npm run bench -- mcp\` (bench/mcp.ts). Goal: p99 < 20 ms over HTTP.\n\n${out}`,
);

await httpClient.close();
await memClient.close();
await http.close();
await db.drop();
