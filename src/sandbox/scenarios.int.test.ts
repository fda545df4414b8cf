import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Sandbox, startSandbox } from './index.ts';
import { MOCKBANK_PASSWORD, MOCKBANK_USER } from './mockbank/sessions.ts';
import { apiKey, call, client, startReceiver } from './test-helpers.ts';

/**
 * Scenario controls: the clock and auto-sync, a login that stops working, a revoked consent,
 * determinism by seed, and the admin API over HTTP.
 */

const HOUR = 3_600_000;
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

describe('scenarios', () => {
  let sb: Sandbox;
  let api: ReturnType<typeof client>;
  let hub: Receiver;

  beforeAll(async () => {
    sb = await startSandbox({
      stepDelayMs: 2,
      // The sandbox's time moves only when a test says so (advanceClock), however slow the machine.
      clock: 'manual',
      now: new Date('2025-01-20T09:30:00.000Z'),
      size: { transactionsPerAccount: 60 },
      // Nobody hangs here: a generous timeout so a busy machine does not turn one delivery into two.
      webhookRetry: { attempts: 2, delaysMs: [5], timeoutMs: 20_000 },
    });
    api = client(sb.url, await apiKey(sb.url));
    hub = await startReceiver();
    await api.post('/webhooks', { event: 'all', url: `${hub.url}/all` });
  });
  afterAll(async () => {
    await sb?.close();
    await hub?.close();
  });

  const eventsFor = async (itemId: string) => {
    await sb.admin.waitForDeliveries();
    return hub.events('/all').filter((e) => e.itemId === itemId);
  };

  it('moves the clock: each passed nextAutoSyncAt runs an auto-sync with new rows and webhooks', async () => {
    const item = await sb.admin.createItemNow({ clientUserId: 'clock' });
    const mfaItem = await sb.admin.createItemNow({ connectorId: 3 });
    expect(mfaItem.nextAutoSyncAt).toBeNull();
    const before = sb.admin.truth(item.id);
    const checking = before.accounts.find((a) => a.subtype === 'CHECKING_ACCOUNT')!;
    const countBefore = before.transactionsByAccount[checking.id]!.length;
    const start = sb.admin.now().getTime();

    await sb.admin.advanceClock(3 * 24 * HOUR + HOUR);
    expect(sb.admin.now().getTime() - start).toBe(73 * HOUR);

    const events = await eventsFor(item.id);
    const updates = events.filter((e) => e.event === 'item/updated');
    expect(updates).toHaveLength(3);
    expect(updates.every((e) => e.triggeredBy === 'SYNC')).toBe(true);
    const created = events.filter((e) => e.event === 'transactions/created' && e.accountId === checking.id);
    expect(created).toHaveLength(3);
    const after = sb.admin.truth(item.id).transactionsByAccount[checking.id]!;
    expect(after.length - countBefore).toBe(created.reduce((s, e) => s + e.transactionsCount, 0));
    // Each announcement lists exactly the rows created by that sync.
    for (const e of created) {
      const rows = (await api.get(e.createdTransactionsLink.slice(sb.url.length))).body.results;
      expect(rows.every((t: { createdAt: string }) => t.createdAt >= e.transactionsCreatedAtFrom)).toBe(true);
    }
    const synced = (await api.get(`/items/${item.id}`)).body;
    expect(Date.parse(synced.nextAutoSyncAt)).toBeGreaterThan(sb.admin.now().getTime());
    expect(Date.parse(synced.lastUpdatedAt)).toBeGreaterThan(start + 2 * 24 * HOUR);
    expect((await eventsFor(mfaItem.id)).filter((e) => e.event === 'item/updated')).toHaveLength(0);
  });

  it('requireRelogin: LOGIN_ERROR + item/error; stored credentials keep failing until new ones arrive', async () => {
    const item = await sb.admin.createItemNow({});
    await sb.admin.requireRelogin(item.id);
    const failed = (await api.get(`/items/${item.id}`)).body;
    expect(failed).toMatchObject({
      status: 'LOGIN_ERROR',
      executionStatus: 'INVALID_CREDENTIALS',
      error: { code: 'INVALID_CREDENTIALS' },
      consecutiveFailedLoginAttempts: 1,
      nextAutoSyncAt: null,
    });
    expect((await eventsFor(item.id)).filter((e) => e.event === 'item/error')).toHaveLength(1);
    // Advancing the clock does not auto-sync a LOGIN_ERROR item.
    await sb.admin.advanceClock(25 * HOUR);
    expect((await api.get(`/items/${item.id}`)).body.status).toBe('LOGIN_ERROR');

    await api.patch(`/items/${item.id}`, {});
    const again = await sb.admin.waitForItemStatus(item.id, 'LOGIN_ERROR');
    expect(again.consecutiveFailedLoginAttempts).toBe(2);
    const refused = await api.patch(`/items/${item.id}`, { parameters: { password: 'password-ok' } });
    expect(refused.body).toMatchObject({ code: 400, codeDescription: 'TOO_MANY_CONSECUTIVE_LOGIN_FAILURES' });

    await sb.admin.advanceClock(16 * 60_000);
    await api.patch(`/items/${item.id}`, { parameters: { password: 'password-ok' } });
    const ok = await sb.admin.waitForItemStatus(item.id, 'UPDATED');
    expect(ok).toMatchObject({ consecutiveFailedLoginAttempts: 0, error: null });
  });

  it('revokeConsent: item/error, data endpoints answer empty until the user renews', async () => {
    const item = await sb.admin.createItemNow({ connectorId: 600 });
    const accountId = sb.admin.truth(item.id).accounts[0]!.id;
    const consents = await api.get(`/consents?itemId=${item.id}`);
    expect(consents.body.results[0]).toMatchObject({ itemId: item.id, revokedAt: null });
    expect(consents.body.results[0].openFinancePermissionsGranted.length).toBeGreaterThan(0);

    await sb.admin.revokeConsent(item.id);
    expect((await eventsFor(item.id)).filter((e) => e.event === 'item/error')).toHaveLength(1);
    expect((await api.get(`/accounts?itemId=${item.id}`)).body).toMatchObject({ total: 0, results: [] });
    expect((await api.get(`/v2/transactions?accountId=${accountId}`)).body).toEqual({
      results: [],
      next: null,
    });
    expect((await api.get(`/investments?itemId=${item.id}`)).body.results).toEqual([]);
    expect((await api.get(`/identity?itemId=${item.id}`)).status).toBe(404);
    expect((await api.get(`/consents?itemId=${item.id}`)).body.results[0].revokedAt).toEqual(
      expect.any(String),
    );

    // Renewing means consenting again at the institution (MockBank).
    await api.patch(`/items/${item.id}`, {});
    const waiting = await sb.admin.waitForItemStatus(item.id, 'WAITING_USER_INPUT');
    const consent = await fetch(waiting.parameter!.data!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: MOCKBANK_USER, password: MOCKBANK_PASSWORD, decision: 'approve' }),
    });
    expect(consent.status).toBe(200);
    await sb.admin.waitForItemStatus(item.id, 'UPDATED');
    expect((await api.get(`/accounts?itemId=${item.id}`)).body.total).toBeGreaterThan(0);
    expect((await api.get(`/consents?itemId=${item.id}`)).body.results[0].revokedAt).toBeNull();
  });

  it('WAITING_USER_ACTION: userAction + item/waiting_user_action until the user approves, refuses or lets it expire', async () => {
    const created = await api.post('/items', {
      connectorId: 2,
      parameters: { user: 'user-ok-user-action', password: 'password-ok' },
    });
    const waiting = await sb.admin.waitForItemStatus(created.body.id, 'WAITING_USER_ACTION');
    expect(waiting).toMatchObject({
      executionStatus: 'WAITING_USER_ACTION',
      parameter: null,
      userAction: {
        instructions: expect.any(String),
        type: 'authorize-access',
        expiresAt: expect.any(String),
      },
    });
    expect((await eventsFor(waiting.id)).map((e) => e.event)).toEqual(['item/waiting_user_action']);
    // Not an MFA prompt.
    expect((await api.post(`/items/${waiting.id}/mfa`, { token: '123456' })).status).toBe(400);
    await sb.admin.resolveUserAction(waiting.id, true);
    const done = await sb.admin.waitForItemStatus(waiting.id, 'UPDATED');
    expect(done.userAction).toBeNull();
    expect((await eventsFor(waiting.id)).map((e) => e.event)).toEqual([
      'item/waiting_user_action',
      'item/login_succeeded',
      'item/created',
    ]);
    await expect(sb.admin.resolveUserAction(waiting.id, true)).rejects.toThrow(/not waiting/);

    // An existing item, over HTTP: the next PATCH asks; refusing fails the login.
    expect((await call(sb.url, 'POST', `/__sandbox/items/${waiting.id}/require-user-action`)).status).toBe(
      200,
    );
    await api.patch(`/items/${waiting.id}`, {});
    await sb.admin.waitForItemStatus(waiting.id, 'WAITING_USER_ACTION');
    const refused = await call(sb.url, 'POST', `/__sandbox/items/${waiting.id}/user-action`, {
      body: { approve: false },
    });
    expect(refused.status).toBe(200);
    await expect(sb.admin.waitForItemStatus(waiting.id, 'UPDATED')).rejects.toThrow(/settled at LOGIN_ERROR/);
    expect((await api.get(`/items/${waiting.id}`)).body).toMatchObject({
      executionStatus: 'USER_AUTHORIZATION_NOT_GRANTED',
      userAction: null,
    });

    // Nobody answers before it expires (sandbox clock).
    const late = await api.post('/items', {
      connectorId: 2,
      parameters: { user: 'user-ok-user-action', password: 'password-ok' },
    });
    const pending = await sb.admin.waitForItemStatus(late.body.id, 'WAITING_USER_ACTION');
    await sb.admin.advanceClock(Date.parse(pending.userAction!.expiresAt!) - sb.admin.now().getTime() + 1);
    await expect(sb.admin.waitForItemStatus(pending.id, 'UPDATED')).rejects.toThrow(/settled at OUTDATED/);
    expect((await api.get(`/items/${pending.id}`)).body.executionStatus).toBe('USER_AUTHORIZATION_PENDING');
  });

  it('waitForItemStatus rejects when the execution settles elsewhere', async () => {
    const r = await api.post('/items', {
      connectorId: 2,
      parameters: { user: 'user-error', password: 'password-ok' },
    });
    await expect(sb.admin.waitForItemStatus(r.body.id, 'UPDATED')).rejects.toThrow(/settled at OUTDATED/);
  });

  it('exposes the same controls over HTTP under /__sandbox', async () => {
    const made = await call(sb.url, 'POST', '/__sandbox/items', { body: { connectorId: 8 } });
    expect(made.body).toMatchObject({ status: 'UPDATED', connector: { id: 8, type: 'BUSINESS_BANK' } });
    const truth = await call(sb.url, 'GET', `/__sandbox/items/${made.body.id}/truth`);
    expect(truth.body.accounts.length).toBeGreaterThan(0);
    const identity = await api.get(`/identity?itemId=${made.body.id}`);
    expect(identity.body).toMatchObject({ documentType: 'CNPJ', companyName: expect.any(String) });

    const added = await call(sb.url, 'POST', `/__sandbox/items/${made.body.id}/transactions`, {
      body: { count: 2 },
    });
    expect(added.body).toHaveLength(2);
    const fault = await call(sb.url, 'POST', '/__sandbox/faults', {
      body: { path: '/categories', times: 1, kind: 'respond', status: 500 },
    });
    expect(fault.body.id).toEqual(expect.any(String));
    expect((await api.get('/categories')).status).toBe(500);
    const clock = await call(sb.url, 'POST', '/__sandbox/clock/advance', { body: { ms: 1000 } });
    expect(clock.body.now).toEqual(expect.any(String));
    expect(
      (await call(sb.url, 'GET', '/__sandbox/items/00000000-0000-4000-8000-000000000000/truth')).status,
    ).toBe(404);
    // Admin traffic stays out of the Pluggy request log.
    expect(sb.admin.requests().some((r) => r.path.startsWith('/__sandbox'))).toBe(false);
  });

  it('GET /__sandbox/items/:id/truth?summary: counts and exact sums per account, matching the rows', async () => {
    const item = await sb.admin.createItemNow({});
    await sb.admin.addTransactions(item.id, { count: 3 });
    const full = sb.admin.truth(item.id);
    const res = await call(sb.url, 'GET', `/__sandbox/items/${item.id}/truth?summary`);
    expect(res.status).toBe(200);
    const summary = res.body;
    expect(summary.itemId).toBe(item.id);
    expect(summary.accounts.map((a: { id: string }) => a.id)).toEqual(full.accounts.map((a) => a.id));
    // Integer cents from the served decimals: exact, whatever the row count.
    const toCents = (v: number | string) => Math.round(Number(v) * 100);
    const asDecimal = (c: number) =>
      `${c < 0 ? '-' : ''}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, '0')}`;
    let total = 0;
    for (const acct of full.accounts) {
      const rows = full.transactionsByAccount[acct.id]!;
      const sum = (list: typeof rows) => list.reduce((s, t) => s + toCents(t.amount), 0);
      const posted = rows.filter((t) => t.status === 'POSTED');
      total += sum(rows);
      expect(summary.accounts.find((a: { id: string }) => a.id === acct.id)).toEqual({
        id: acct.id,
        type: acct.type,
        subtype: acct.subtype,
        balance: asDecimal(toCents(acct.balance)),
        transactions: rows.length,
        posted: posted.length,
        pending: rows.length - posted.length,
        amountSum: asDecimal(sum(rows)),
        postedAmountSum: asDecimal(sum(posted)),
        pendingAmountSum: asDecimal(sum(rows) - sum(posted)),
        firstDate: rows[0]?.date ?? null,
        lastDate: rows.at(-1)?.date ?? null,
        bills: expect.any(Number),
      });
    }
    expect(summary.totals).toEqual({
      accounts: full.accounts.length,
      transactions: Object.values(full.transactionsByAccount).reduce((n, r) => n + r.length, 0),
      amountSum: asDecimal(total),
    });
    expect(summary.accounts.find((a: { type: string }) => a.type === 'CREDIT').bills).toBeGreaterThan(0);
  });

  it('refuses fault rules and numbers that are not numbers (400 naming the field)', async () => {
    for (const [rule, field] of [
      [{ rate: Number.NaN }, 'rate'],
      [{ rate: 1.5 }, 'rate'],
      [{ times: Number.NaN }, 'times'],
      [{ times: 0 }, 'times'],
      [{ times: 1.5 }, 'times'],
      [{ status: Number.NaN }, 'status'],
      [{ status: 42 }, 'status'],
      [{ kind: 'latency' as const, ms: Number.NaN }, 'ms'],
      [{ kind: 'latency' as const, ms: -1 }, 'ms'],
    ] as const) {
      expect(() => sb.admin.addFault({ path: '/categories', kind: 'respond', ...rule })).toThrow(
        new RegExp(`^fault ${field} must be`),
      );
    }
    // Over HTTP a NaN arrives as null (JSON) or as a string.
    for (const body of [{ rate: null }, { times: 'twice' }, { status: 'teapot' }]) {
      const res = await call(sb.url, 'POST', '/__sandbox/faults', {
        body: { path: '/categories', kind: 'respond', ...body },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(new RegExp(`^fault ${Object.keys(body)[0]} must be`));
    }
    expect((await call(sb.url, 'GET', '/__sandbox/faults')).body).toEqual([]);

    const item = await sb.admin.createItemNow({});
    for (const [path, body, field] of [
      [`/items/${item.id}/transactions`, { count: 'many' }, 'count'],
      [`/items/${item.id}/transactions`, { backdatedDays: '' }, 'backdatedDays'],
      ['/items', { connectorId: 'two' }, 'connectorId'],
      ['/clock/advance', { ms: 'a while' }, 'ms'],
    ] as const) {
      const res = await call(sb.url, 'POST', `/__sandbox${path}`, { body });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(`${field} must be a number`);
    }
  });

  it('answers a sandbox bug behind the admin API with a 500, not a 400', async () => {
    const spy = vi.spyOn(sb.admin, 'truth').mockImplementation(() => {
      throw new TypeError('boom');
    });
    try {
      const res = await call(sb.url, 'GET', '/__sandbox/items/any/truth');
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ code: 500, codeDescription: 'INTERNAL_SERVER_ERROR' });
    } finally {
      spy.mockRestore();
    }
  });
});

describe('a taken port', () => {
  it('says which port is taken and what to do, instead of a bare EADDRINUSE', async () => {
    const first = await startSandbox();
    const port = Number(new URL(first.url).port);
    try {
      const second = startSandbox({ port });
      await expect(second).rejects.toThrow(
        new RegExp(
          `port ${port} on 127\\.0\\.0\\.1 is already in use .*SANDBOX_PORT.*--port N.*0 for any free port`,
        ),
      );
      await expect(second).rejects.toMatchObject({ cause: { code: 'EADDRINUSE' } });
    } finally {
      await first.close();
    }
  });
});

describe('determinism', () => {
  it('gives the same item ids, accounts and transactions for the same seed and clock', async () => {
    const now = new Date('2025-05-05T10:00:00.000Z');
    const opts = { now, clock: 'manual' as const, size: { transactionsPerAccount: 50 } };
    const [a, b, c] = await Promise.all([
      startSandbox({ seed: 7, ...opts }),
      startSandbox({ seed: 7, ...opts }),
      startSandbox({ seed: 8, ...opts }),
    ]);
    try {
      const [ia, ib, ic] = await Promise.all([a, b, c].map((s) => s.admin.createItemNow({})));
      expect(ia!.id).toBe(ib!.id);
      expect(ia!.id).not.toBe(ic!.id);
      const strip = (t: ReturnType<Sandbox['admin']['truth']>) =>
        Object.values(t.transactionsByAccount).map((rows) =>
          rows.map((r) => [r.id, r.amount, r.description, r.date]),
        );
      expect(strip(a.admin.truth(ia!.id))).toEqual(strip(b.admin.truth(ib!.id)));
      // Same clock too: the whole item, timestamps included, is the same.
      expect(ia).toEqual(ib);
      expect(a.admin.truth(ia!.id).accounts.map((x) => x.id)).toEqual(
        b.admin.truth(ib!.id).accounts.map((x) => x.id),
      );
      expect(strip(a.admin.truth(ia!.id))).not.toEqual(strip(c.admin.truth(ic!.id)));
    } finally {
      await Promise.all([a, b, c].map((s) => s.close()));
    }
  });
});
