import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing.ts';
import { createLogger } from '../../log.ts';

/**
 * The assistant's API end to end, over real HTTP, against the service as `npm start` wires it in
 * local mode: the sandbox stands in for Pluggy, and the test acts as the Connect widget would.
 */
const TOKEN = 'test-api-token-0123456789abcdef';
let t: TestDatabase;
let app: App;

// biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary JSON answers
type Json = Record<string, any>;
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {}
  return { status: res.status, json, text, headers: res.headers };
}
const publicCall = (method: string, path: string, body?: unknown) =>
  call(method, path, body, { authorization: '' });

/** Cents of a decimal string or a number with ≤ 2 decimals, exactly. */
function cents(v: string | number): bigint {
  const s = typeof v === 'number' ? v.toFixed(2) : v;
  const neg = s.startsWith('-');
  const [i = '0', f = ''] = s.replace('-', '').split('.');
  if (/[1-9]/.test(f.slice(2))) throw new Error(`not whole cents: ${s}`);
  const n = BigInt(i) * 100n + BigInt((f + '00').slice(0, 2));
  return neg ? -n : n;
}

async function connectPerson(phone: string, connectorId = 0, extra: Record<string, string> = {}) {
  const person = await call('POST', '/v1/users', { phone });
  const link = await call('POST', `/v1/users/${encodeURIComponent(phone)}/connect-links`, {});
  expect(link.status).toBe(201);
  const session = await publicCall('POST', '/v1/connect/session', { link: link.json.url });
  expect(session.status).toBe(200);
  // As the widget does: create the item at "Pluggy" with the connect token.
  const created = await fetch(`${app.sandbox!.url}/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': session.json.connectToken },
    body: JSON.stringify({ connectorId, parameters: { user: 'user-ok', password: 'password-ok', ...extra } }),
  });
  expect(created.status).toBe(200);
  const item = (await created.json()) as { id: string; clientUserId: string };
  return {
    person: person.json,
    linkUrl: link.json.url as string,
    session: session.json,
    itemId: item.id,
    item,
  };
}

async function waitSynced(phone: string, itemId: string) {
  await app.sandbox!.admin.waitForItemStatus(itemId, 'UPDATED');
  await expect
    .poll(
      async () => {
        const items = await call('GET', `/v1/users/${encodeURIComponent(phone)}/items`);
        const it = items.json.data?.find((i: Json) => i.id === itemId);
        if (!it?.lastSuccessfulSyncAt || it.syncRunning || it.status !== 'UPDATED') return false;
        const accounts = await call('GET', `/v1/users/${encodeURIComponent(phone)}/accounts`);
        const truth = app.sandbox!.admin.truth(itemId);
        return accounts.json.data.filter((a: Json) => a.itemId === itemId).length === truth.accounts.length;
      },
      { timeout: 60_000, interval: 250 },
    )
    .toBe(true);
}

async function allTransactions(phone: string, query = '') {
  const rows: Json[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q = `limit=97${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await call('GET', `/v1/users/${encodeURIComponent(phone)}/transactions?${q}`);
    expect(page.status).toBe(200);
    rows.push(...page.json.data);
    cursor = page.json.nextCursor;
    pages++;
  } while (cursor);
  return { rows, pages };
}

beforeAll(async () => {
  t = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: t.url,
    PORT: '0',
    SANDBOX_PORT: '0',
    API_TOKENS: `another-token-that-is-long-enough,${TOKEN}`,
    LOG_LEVEL: 'silent',
  });
  app = await startApp(config, createLogger('silent'));
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await t?.drop();
});

describe('a person connects a bank and the assistant reads it', () => {
  const phone = '11 98765-4321';
  let itemId: string;
  let personId: string;

  it('one person however the number is written; an invalid number is a 400 naming the field', async () => {
    const a = await call('POST', '/v1/users', { phone });
    expect(a.status).toBe(201);
    expect(a.json).toMatchObject({ phone: '+5511987654321' });
    personId = a.json.id;
    for (const written of ['+55 (11) 98765-4321', '5511987654321']) {
      const again = await call('POST', '/v1/users', { phone: written });
      expect(again.status).toBe(200);
      expect(again.json.id).toBe(personId);
    }
    expect((await call('GET', '/v1/users/5511987654321')).json.id).toBe(personId);
    const bad = await call('POST', '/v1/users', { phone: '12345' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.json).toMatchObject({ code: 'invalid-phone', errors: [{ field: 'phone' }] });
    const missing = await call('POST', '/v1/users', {});
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.json.errors)).toContain('phone');
    expect((await call('GET', '/v1/users/+5521999990000')).status).toBe(404);
  });

  it('link → session → widget creates the item → reported → synced', async () => {
    const c = await connectPerson(phone);
    itemId = c.itemId;
    expect(c.session).toMatchObject({ mode: 'create', includeSandbox: true });
    // Pluggy only ever sees our opaque id, never the phone.
    expect(c.item.clientUserId).toBe(personId);
    const reported = await publicCall('POST', '/v1/connect/items', { link: c.linkUrl, itemId });
    expect(reported.status).toBe(202);
    await waitSynced(phone, itemId);
    const status = await publicCall('GET', `/v1/connect/status?link=${encodeURIComponent(c.linkUrl)}`);
    expect(status.status).toBe(200);
    expect(status.json.items[0]).toMatchObject({ id: itemId });
    expect(status.json.items[0].accounts.length).toBe(app.sandbox!.admin.truth(itemId).accounts.length);
  });

  it("accounts, transactions (every page) and financial-data equal the sandbox's truth in count and cents", async () => {
    const truth = app.sandbox!.admin.truth(itemId);
    const accounts = await call('GET', `/v1/users/${phone}/accounts`);
    expect(accounts.json.data.map((a: Json) => a.id).sort()).toEqual(truth.accounts.map((a) => a.id).sort());
    for (const a of truth.accounts) {
      const mine = accounts.json.data.find((x: Json) => x.id === a.id);
      expect(mine.balance).toMatch(/^-?\d+\.\d{2,}$/);
      expect(cents(mine.balance), a.id).toBe(cents(a.balance));
      const one = await call('GET', `/v1/users/${phone}/accounts/${a.id}`);
      expect(one.json).toEqual(mine);
    }

    const { rows, pages } = await allTransactions(phone);
    expect(pages).toBeGreaterThan(2);
    const expected = Object.values(truth.transactionsByAccount).flat();
    expect(rows.length).toBe(expected.length);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    for (const [accountId, list] of Object.entries(truth.transactionsByAccount)) {
      const mine = rows.filter((r) => r.accountId === accountId);
      expect(mine.length, accountId).toBe(list.length);
      expect(mine.reduce((s, r) => s + cents(r.amount), 0n)).toBe(
        list.reduce((s, r) => s + cents(r.amount), 0n),
      );
    }
    // Newest first: date, then id, descending.
    for (let i = 1; i < rows.length; i++) {
      const [p, c] = [rows[i - 1]!, rows[i]!];
      expect(p.date > c.date || (p.date === c.date && p.id > c.id), `${p.id} before ${c.id}`).toBe(true);
    }

    const fd = await call('GET', `/v1/users/${phone}/financial-data`);
    expect(fd.status).toBe(200);
    expect(fd.json.accounts.length).toBe(truth.accounts.length);
    expect(fd.json.items[0]).toMatchObject({
      id: itemId,
      needsReconnect: false,
      institution: { connectorId: 0 },
    });
    const from = Date.parse(fd.json.recentTransactions.from as string);
    const recent = expected
      .filter((r) => Date.parse(r.date) >= from)
      .sort((a, b) => Date.parse(b.date) - Date.parse(a.date) || (a.id < b.id ? 1 : -1));
    expect(fd.json.recentTransactions.truncated).toBe(recent.length > 100);
    expect(fd.json.recentTransactions.data.map((r: Json) => r.id)).toEqual(
      recent.slice(0, 100).map((r) => r.id),
    );
  });

  it('filters: account, type, amount range, text; CSV of the same query; a bad cursor is 400', async () => {
    const truth = app.sandbox!.admin.truth(itemId);
    const account = truth.accounts[0]!;
    const list = truth.transactionsByAccount[account.id]!;
    const debits = await allTransactions(phone, `&accountId=${account.id}&type=DEBIT`);
    expect(debits.rows.length).toBe(list.filter((r) => r.type === 'DEBIT').length);
    const big = await allTransactions(phone, `&minAmount=100&maxAmount=1000000`);
    const all = Object.values(truth.transactionsByAccount).flat();
    expect(big.rows.length).toBe(all.filter((r) => r.amount >= 100).length);
    const sample = list.find((r) => (r.description ?? '').length > 4)!;
    const word = sample.description!.split(/\s+/).find((w) => w.length > 3)!;
    const found = await allTransactions(phone, `&q=${encodeURIComponent(word.toLowerCase())}`);
    expect(found.rows.map((r) => r.id)).toContain(sample.id);

    const csv = await call('GET', `/v1/users/${phone}/transactions?accountId=${account.id}`, undefined, {
      accept: 'text/csv',
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,date,accountId/);
    expect(lines.length - 1).toBe(list.length);

    const bad = await call('GET', `/v1/users/${phone}/transactions?cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('invalid-cursor');
    const tooMany = await call('GET', `/v1/users/${phone}/transactions?limit=501`);
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.json)).toContain('limit');
  });

  it('refresh is accepted, then refused as too early with Retry-After', async () => {
    const ok = await call('POST', `/v1/users/${phone}/items/${itemId}/refresh`);
    expect(ok.status).toBe(202);
    await app.sandbox!.admin.waitForItemStatus(itemId, 'UPDATED');
    const lastUpdatedAt = new Date().toISOString();
    app.sandbox!.admin.addFault({
      kind: 'respond',
      method: 'PATCH',
      path: `/items/${itemId}`,
      status: 409,
      times: 1,
      body: {
        code: 409,
        codeDescription: 'CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY',
        message: `Client updates on this item are allowed at most every 24 hours. Last update was at ${lastUpdatedAt}`,
      },
    });
    const early = await call('POST', `/v1/users/${phone}/items/${itemId}/refresh`);
    expect(early.status).toBe(409);
    expect(early.json.code).toBe('refresh-too-early');
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
    // A Retry-After longer than the client waits: it gives up at once and says rate-limited.
    app.sandbox!.admin.addFault({
      kind: 'respond',
      method: 'PATCH',
      path: `/items/${itemId}`,
      status: 429,
      headers: { 'retry-after': '120' },
      times: 1,
    });
    const limited = await call('POST', `/v1/users/${phone}/items/${itemId}/refresh`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    await waitSynced(phone, itemId);
  });

  it('two people: one person never reaches the other by id, link or phone', async () => {
    const other = '+55 21 99876-5432';
    const b = await connectPerson(other);
    // B's item reported with A's link: Pluggy says it belongs to someone else → 403, nothing linked.
    const aLink = await call('POST', `/v1/users/${phone}/connect-links`, {});
    const stolen = await publicCall('POST', '/v1/connect/items', { link: aLink.json.url, itemId: b.itemId });
    expect(stolen.status).toBe(403);
    expect(stolen.json.code).toBe('item-not-yours');
    expect(
      (await publicCall('POST', '/v1/connect/items', { link: b.linkUrl, itemId: b.itemId })).status,
    ).toBe(202);
    await waitSynced(other, b.itemId);
    const bAccount = app.sandbox!.admin.truth(b.itemId).accounts[0]!.id;

    const aReads = [
      `/v1/users/${phone}/items`,
      `/v1/users/${phone}/accounts`,
      `/v1/users/${phone}/transactions?limit=500`,
      `/v1/users/${phone}/financial-data`,
    ];
    for (const path of aReads) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).not.toContain(b.itemId);
      expect(res.text, path).not.toContain(bAccount);
    }
    const notFound = [
      ['GET', `/v1/users/${phone}/accounts/${bAccount}`],
      ['GET', `/v1/users/${phone}/transactions?accountId=${bAccount}`],
      ['GET', `/v1/users/${phone}/transactions?itemId=${b.itemId}`],
      ['POST', `/v1/users/${phone}/items/${b.itemId}/refresh`],
      ['DELETE', `/v1/users/${phone}/items/${b.itemId}`],
      ['POST', `/v1/users/${phone}/connect-links`, { itemId: b.itemId }],
    ] as const;
    // Well-formed ids that exist nowhere (a malformed one is a 400 before any lookup).
    const GHOST_ITEM = '00000000-0000-4000-8000-00000000dead';
    const GHOST_ACCOUNT = '00000000-0000-4000-8000-00000000beef';
    for (const [method, path, body] of notFound) {
      const res = await call(method, path, body);
      const ghost = await call(
        method,
        path.replace(b.itemId, GHOST_ITEM).replace(bAccount, GHOST_ACCOUNT),
        body,
      );
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json.code).toBe(ghost.json.code);
    }
    // A's link shows A's connections only.
    const status = await publicCall('GET', `/v1/connect/status?link=${encodeURIComponent(aLink.json.url)}`);
    expect(status.text).not.toContain(b.itemId);
    // A tampered link is refused, saying so.
    const u = new URL(aLink.json.url);
    const tampered = `${u.searchParams.get('link')!.slice(0, -3)}abc`;
    const bad = await publicCall('POST', '/v1/connect/session', { link: tampered });
    expect(bad.status).toBe(401);
    expect(bad.json.code).toBe('link-tampered');
    // A reconnect link for B's item opens update mode for that item only.
    const re = await call('POST', `/v1/users/${encodeURIComponent(other)}/connect-links`, {
      itemId: b.itemId,
    });
    const session = await publicCall('POST', '/v1/connect/session', { link: re.json.url });
    expect(session.json).toMatchObject({ mode: 'update', itemId: b.itemId });
    const wrong = await publicCall('POST', '/v1/connect/items', { link: re.json.url, itemId });
    expect(wrong.status).toBe(401);
    expect(wrong.json.code).toBe('link-wrong-purpose');
  });

  it('a login error shows needsReconnect in words; the reconnect link opens update mode; the flag clears only after a successful sync', async () => {
    const carla = '+55 31 98888-7777';
    const c = await connectPerson(carla);
    await publicCall('POST', '/v1/connect/items', { link: c.linkUrl, itemId: c.itemId });
    await waitSynced(carla, c.itemId);
    const itemOf = async () =>
      (await call('GET', `/v1/users/${encodeURIComponent(carla)}/items`)).json.data.find(
        (i: Json) => i.id === c.itemId,
      );
    const syncedBefore = (await itemOf()).lastSuccessfulSyncAt as string;

    await app.sandbox!.admin.requireRelogin(c.itemId);
    await expect.poll(async () => (await itemOf()).needsReconnect, { timeout: 30_000 }).toBe(true);
    expect((await itemOf()).reconnectReason).toMatch(/password/i);

    // Refresh cannot help: the person must act, so the answer is a reconnect link.
    const refresh = await call('POST', `/v1/users/${encodeURIComponent(carla)}/items/${c.itemId}/refresh`);
    expect(refresh.status).toBe(200);
    expect(refresh.json.status).toBe('needs-person');
    const session = await publicCall('POST', '/v1/connect/session', { link: refresh.json.reconnect.url });
    expect(session.json).toMatchObject({ mode: 'update', itemId: c.itemId });

    // As the widget does in update mode: new credentials on the item, with the connect token.
    const patched = await fetch(`${app.sandbox!.url}/items/${c.itemId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-api-key': session.json.connectToken },
      body: JSON.stringify({ parameters: { user: 'user-ok', password: 'password-ok' } }),
    });
    expect(patched.status).toBe(200);
    // Credentials accepted is not data current: still flagged until a sync succeeds.
    expect((await itemOf()).needsReconnect).toBe(true);
    const reported = await publicCall('POST', '/v1/connect/items', {
      link: refresh.json.reconnect.url,
      itemId: c.itemId,
    });
    expect(reported.status).toBe(202);
    await expect
      .poll(
        async () => {
          const it = await itemOf();
          return !it.needsReconnect && it.lastSuccessfulSyncAt > syncedBefore;
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(true);
    expect((await itemOf()).reconnectReason).toBeNull();
  });

  it('refreshing an item whose bank asks for a code at every login answers a reconnect link', async () => {
    const dora = '+55 41 97777-6666';
    const d = await connectPerson(dora, 1, { token: '123456' });
    expect(
      (await publicCall('POST', '/v1/connect/items', { link: d.linkUrl, itemId: d.itemId })).status,
    ).toBe(202);
    const refresh = await call('POST', `/v1/users/${encodeURIComponent(dora)}/items/${d.itemId}/refresh`);
    expect(refresh.status).toBe(200);
    expect(refresh.json).toMatchObject({
      status: 'needs-person',
      reconnect: { url: expect.stringContaining('/connect?link=') },
    });
  });

  it('deleting an item removes it at Pluggy and every row of it here', async () => {
    const extra = await connectPerson(phone);
    await publicCall('POST', '/v1/connect/items', { link: extra.linkUrl, itemId: extra.itemId });
    await waitSynced(phone, extra.itemId);
    const del = await call('DELETE', `/v1/users/${phone}/items/${extra.itemId}`);
    expect(del.status).toBe(204);
    const items = await call('GET', `/v1/users/${phone}/items`);
    expect(items.json.data.map((i: Json) => i.id)).toEqual([itemId]);
    for (const table of ['items', 'accounts', 'transactions']) {
      const col = table === 'items' ? 'id' : 'item_id';
      const { rows } = await t.pool.query(`SELECT 1 FROM ${table} WHERE ${col} = $1`, [extra.itemId]);
      expect(rows.length, table).toBe(0);
    }
    const atPluggy = await fetch(`${app.sandbox!.url}/__sandbox/items/${extra.itemId}/truth`);
    expect(atPluggy.status).toBe(404);
  });

  it('erasure: every item deleted at Pluggy, no row of the person left in any table', async () => {
    const before = await call('GET', `/v1/users/${phone}/items`);
    const itemIds = before.json.data.map((i: Json) => i.id as string);
    expect(itemIds.length).toBeGreaterThan(0);
    const erased = await call('DELETE', `/v1/users/${phone}`);
    expect(erased.status).toBe(204);
    expect((await call('GET', `/v1/users/${phone}`)).status).toBe(404);
    for (const id of itemIds) {
      expect((await fetch(`${app.sandbox!.url}/__sandbox/items/${id}/truth`)).status).toBe(404);
    }
    // Pluggy's item/deleted deliveries for the erased items arrive after the answer.
    await app.sandbox!.admin.waitForDeliveries(20_000);
    await new Promise((r) => setTimeout(r, 500));
    const needles = [personId, '+5511987654321', ...itemIds];
    const { rows: tables } = await t.pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    for (const { table_name } of tables) {
      const { rows } = await t.pool.query(
        `SELECT count(*)::int AS n FROM ${table_name} x WHERE ${needles.map((_, i) => `strpos(x::text, $${i + 1}) > 0`).join(' OR ')}`,
        needles,
      );
      expect(rows[0].n, table_name).toBe(0);
    }
  });
});
