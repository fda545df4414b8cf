import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../config.ts';
import { startSandbox } from '../sandbox/index.ts';
import { createPluggyClient, type PluggyClient } from './client.ts';
import { PluggyError } from './errors.ts';
import type { Item, Transaction } from './schemas.ts';

/**
 * The read flow against the local sandbox, over HTTP, exactly as the service will run it: every
 * response must parse with our schemas, so this is also a contract test of the sandbox.
 */

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

async function waitUntilSettled(client: PluggyClient, id: string, deadlineMs = 20_000): Promise<Item> {
  const until = Date.now() + deadlineMs;
  // The sandbox runs the execution asynchronously (docs/pluggy.md#execution-lifecycle); polling GET
  // /items/{id} is how a Pluggy client observes it when it does not listen to webhooks.
  for (;;) {
    const item = await client.getItem(id);
    if (item.status !== 'UPDATING') return item;
    if (Date.now() > until) throw new Error(`item ${id} still UPDATING (${item.executionStatus})`);
    await delay(50);
  }
}

describe('Pluggy client against the sandbox', () => {
  let sb: Sandbox;
  let client: PluggyClient;
  let item: Item;

  beforeAll(async () => {
    // A small v2 page size so an account's transactions span several cursor pages.
    sb = await startSandbox({ port: 0, seed: 42, v2PageSize: 7, stepDelayMs: 5 });
    client = createPluggyClient({
      baseUrl: sb.url,
      clientId: SANDBOX_CLIENT_ID,
      clientSecret: SANDBOX_CLIENT_SECRET,
      retryBaseDelayMs: 5,
    });
  });

  afterAll(async () => {
    await sb?.close();
  });

  it('lists connectors and reads Pluggy Bank', async () => {
    const connectors = await client.getConnectors({ sandbox: true, countries: ['BR'] });
    expect(connectors.map((c) => c.id)).toContain(2);
    const bank = await client.getConnector(2);
    expect(bank).toMatchObject({ id: 2, isSandbox: true });
    expect(bank.credentials.map((c) => c.name)).toEqual(expect.arrayContaining(['user', 'password']));
  });

  it('issues a JWT connect token', async () => {
    const { accessToken } = await client.createConnectToken({ clientUserId: 'user-4711' });
    expect(accessToken.split('.')).toHaveLength(3);
  });

  it('creates an item and polls it to UPDATED', async () => {
    const created = await client.createItem({
      connectorId: 2,
      parameters: { user: 'user-ok', password: 'password-ok' },
      clientUserId: 'user-4711',
    });
    expect(created.status).toBe('UPDATING');
    item = await waitUntilSettled(client, created.id);
    expect(item).toMatchObject({ id: created.id, status: 'UPDATED', error: null, clientUserId: 'user-4711' });
    expect(item.lastUpdatedAt).not.toBeNull();
  });

  it('reads accounts and every transaction through the cursor', async () => {
    const accounts = await client.getAccounts(item.id);
    expect(accounts.length).toBeGreaterThan(0);
    expect(accounts.every((a) => a.itemId === item.id)).toBe(true);

    sb.admin.resetRequests();
    let pageCount = 0;
    const all: Transaction[] = [];
    for (const account of accounts) {
      for await (const page of client.transactionPages(account.id)) {
        pageCount += 1;
        expect(page.length).toBeLessThanOrEqual(7);
        all.push(...page);
      }
    }
    expect(all.length).toBeGreaterThan(7);
    expect(pageCount).toBeGreaterThan(accounts.length);
    expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
    const v2Calls = sb.admin.requests().filter((r) => r.path.startsWith('/v2/transactions'));
    expect(v2Calls).toHaveLength(pageCount);

    const sample = all.slice(0, 3);
    const byIds = await client.getTransactionsByIds(
      sample[0]!.accountId,
      sample.filter((t) => t.accountId === sample[0]!.accountId).map((t) => t.id),
    );
    expect(byIds.map((t) => t.id).sort()).toEqual(
      sample
        .filter((t) => t.accountId === sample[0]!.accountId)
        .map((t) => t.id)
        .sort(),
    );
    await expect(client.getTransaction(sample[0]!.id)).resolves.toMatchObject({ id: sample[0]!.id });
  });

  it('asks for 500 transaction ids in one query, as Pluggy allows (a URL of about 18.5 KB)', async () => {
    const [account] = await client.getAccounts(item.id);
    const own: string[] = [];
    for await (const page of client.transactionPages(account!.id)) own.push(...page.map((t) => t.id));
    const ids = [...own.slice(0, 500)];
    while (ids.length < 500) ids.push(randomUUID());
    sb.admin.resetRequests();
    const found = await client.getTransactionsByIds(account!.id, ids);
    expect(found.map((t) => t.id).sort()).toEqual(own.slice(0, 500).sort());
    const calls = sb.admin.requests().filter((r) => r.path.startsWith('/v2/transactions'));
    expect(calls.every((r) => r.status === 200)).toBe(true);
  });

  it('reads identity, investments with their transactions, loans, bills and categories', async () => {
    const identity = await client.getIdentity(item.id);
    expect(identity?.itemId).toBe(item.id);

    const investments = await client.getInvestments(item.id);
    expect(investments.length).toBeGreaterThan(0);
    expect(investments.every((i) => i.itemId === item.id)).toBe(true);
    let investmentTransactions = 0;
    for (const investment of investments) {
      for await (const page of client.investmentTransactionPages(investment.id)) {
        investmentTransactions += page.length;
      }
    }
    expect(investmentTransactions).toBeGreaterThan(0);

    const loans = await client.getLoans(item.id);
    expect(loans.length).toBeGreaterThan(0);
    expect(loans.every((l) => l.itemId === item.id)).toBe(true);

    const cards = await client.getAccounts(item.id, 'CREDIT');
    expect(cards.length).toBeGreaterThan(0);
    expect(cards.every((a) => a.type === 'CREDIT')).toBe(true);
    const bills = (await Promise.all(cards.map((card) => client.getBills(card.id)))).flat();
    expect(bills.length).toBeGreaterThan(0);

    const categories = await client.getCategories();
    expect(categories.length).toBeGreaterThan(0);
  });

  it('rides out sandbox faults: 503s are retried, an expired key is renewed', async () => {
    sb.admin.resetRequests();
    sb.admin.addFault({ method: 'GET', path: '/accounts', times: 2, kind: 'respond', status: 503 });
    await expect(client.getAccounts(item.id)).resolves.not.toHaveLength(0);

    sb.admin.addFault({ method: 'GET', path: `/items/${item.id}`, times: 1, kind: 'expire-key' });
    await expect(client.getItem(item.id)).resolves.toMatchObject({ id: item.id });

    const seen = sb.admin.requests().map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`);
    expect(seen.filter((s) => s.startsWith('GET /accounts '))).toEqual([
      'GET /accounts 503',
      'GET /accounts 503',
      'GET /accounts 200',
    ]);
    expect(seen.filter((s) => s.startsWith('POST /auth'))).toHaveLength(1);
    sb.admin.clearFaults();
  });

  it('maps sandbox errors to typed errors', async () => {
    const err = await client.getItem('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluggyError);
    expect(err).toMatchObject({ code: 'not-found', status: 404 });
  });
});
