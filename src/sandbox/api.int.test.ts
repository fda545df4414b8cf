import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_ID } from './defaults.ts';
import { type Sandbox, startSandbox } from './index.ts';
import { apiKey, type Call, call, client, ISO_RE } from './test-helpers.ts';

/**
 * The Pluggy surface over real HTTP: auth, connect tokens, connectors, items and their status
 * machine, the v2 cursor, errors as Pluggy shapes them, faults and the Connect page files.
 */

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
const NOT_AUTH = { code: 403, message: 'Missing or invalid authorization token' };
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** Every string that looks like a date-time must be exactly Pluggy's shape. */
function expectIsoDates(value: unknown): void {
  if (typeof value === 'string') {
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) expect(value).toMatch(ISO_RE);
  } else if (Array.isArray(value)) {
    for (const v of value) expectIsoDates(v);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) expectIsoDates(v);
  }
}

describe('sandbox HTTP API', () => {
  let sb: Sandbox;
  let key: string;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    sb = await startSandbox({
      stepDelayMs: 2,
      v2PageSize: 25,
      now: new Date('2025-06-15T12:00:00.000Z'),
      size: { transactionsPerAccount: 80 },
    });
    key = await apiKey(sb.url);
    api = client(sb.url, key);
  });
  afterAll(() => sb?.close());

  describe('auth', () => {
    it('issues a 3-segment JWT apiKey with clientId and a 2 h numeric exp', () => {
      const claims = decode(key);
      expect(key.split('.')).toHaveLength(3);
      expect(claims.clientId).toBe(DEFAULT_CLIENT_ID);
      expect(claims.exp - claims.iat).toBe(7200);
    });

    it('answers a wrong pair with 401 CLIENT_KEYS_UNAUTHORIZED and a missing field with 400', async () => {
      const wrong = await call(sb.url, 'POST', '/auth', {
        body: { clientId: DEFAULT_CLIENT_ID, clientSecret: 'nope' },
      });
      expect(wrong).toMatchObject({
        status: 401,
        body: { code: 401, codeDescription: 'CLIENT_KEYS_UNAUTHORIZED', message: 'Client keys are invalid' },
      });
      const missing = await call(sb.url, 'POST', '/auth', { body: { clientId: DEFAULT_CLIENT_ID } });
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ code: 400, message: 'clientSecret should not be empty' });
    });

    it('answers a missing, forged or expired key with a bare 403 (no codeDescription)', async () => {
      const noKey = await call(sb.url, 'GET', '/connectors');
      const forged = await call(sb.url, 'GET', '/connectors', { key: `${key.slice(0, -4)}AAAA` });
      const short = await startSandbox({ apiKeyTtlSeconds: -1 });
      try {
        const expired = await call(short.url, 'GET', '/connectors', { key: await apiKey(short.url) });
        for (const r of [noKey, forged, expired]) expect(r).toMatchObject({ status: 403, body: NOT_AUTH });
        expect(expired.body).toEqual(NOT_AUTH);
      } finally {
        await short.close();
      }
    });
  });

  describe('connectors', () => {
    it('hides sandbox connectors by default and lists them with sandbox=true', async () => {
      const plain = await api.get('/connectors');
      const all = await api.get('/connectors?sandbox=true');
      expect(plain.body.results.some((c: { isSandbox: boolean }) => c.isSandbox)).toBe(false);
      const ids = all.body.results.map((c: { id: number }) => c.id);
      expect(ids).toEqual(expect.arrayContaining([0, 1, 2, 3, 8, 600]));
      expect(plain.body.results.length).toBeGreaterThanOrEqual(20);
      expect(all.body).toMatchObject({ page: 1, totalPages: 1, total: all.body.results.length });
    });

    it('filters by types, name (accent-insensitive), countries and isOpenFinance', async () => {
      const business = await api.get('/connectors?types=BUSINESS_BANK&sandbox=true');
      expect(business.body.results.every((c: { type: string }) => c.type === 'BUSINESS_BANK')).toBe(true);
      expect(business.body.results.map((c: { id: number }) => c.id)).toContain(8);
      const itau = await api.get('/connectors?name=itau');
      expect(itau.body.results.map((c: { name: string }) => c.name)).toEqual(
        expect.arrayContaining(['Itaú']),
      );
      const of = await api.get('/connectors?isOpenFinance=true&countries=BR');
      expect(of.body.results.length).toBeGreaterThan(3);
      expect(
        of.body.results.every((c: { id: number; isOpenFinance: boolean }) => c.isOpenFinance && c.id >= 600),
      ).toBe(true);
      expect((await api.get('/connectors?types=BANK')).status).toBe(400);
    });

    it('serves one connector with its credential fields, 404 for unknown ids', async () => {
      const bank = await api.get('/connectors/2');
      expect(bank.body).toMatchObject({
        id: 2,
        name: 'Pluggy Bank',
        primaryColor: 'ef294b',
        isSandbox: true,
      });
      expect(bank.body.credentials.map((c: { name: string }) => c.name)).toEqual(['user', 'password']);
      expectIsoDates(bank.body);
      expect(await api.get('/connectors/9999')).toMatchObject({
        status: 404,
        body: { code: 404, codeDescription: 'CONNECTOR_NOT_FOUND' },
      });
    });

    it('validates credentials with code 001 (missing) and 002 (rule)', async () => {
      const r = await api.post('/connectors/2/validate', { user: 'user-ok', password: '123' });
      expect(r.status).toBe(200);
      expect(r.body.errors).toEqual([expect.objectContaining({ code: '002', parameter: 'password' })]);
      const missing = await api.post('/connectors/2/validate', {});
      expect(missing.body.errors.map((e: { code: string }) => e.code)).toEqual(['001', '001']);
    });
  });

  describe('items', () => {
    const create = (connectorId: number, parameters: Record<string, string>, extra = {}) =>
      api.post('/items', { connectorId, parameters, ...extra });

    it('runs the status machine to UPDATED and answers every step as Pluggy does', async () => {
      const created = await create(2, { user: 'user-ok', password: 'password-ok' }, { clientUserId: 'u-1' });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({
        status: 'UPDATING',
        executionStatus: 'CREATED',
        lastUpdatedAt: null,
        clientUserId: 'u-1',
        error: null,
        parameter: null,
        connector: { id: 2 },
      });
      // Field presence and order as the live payload (docs/pluggy.md#item-object).
      expect(Object.keys(created.body)).toEqual([
        'id',
        'connector',
        'createdAt',
        'updatedAt',
        'status',
        'executionStatus',
        'lastUpdatedAt',
        'webhookUrl',
        'error',
        'clientUserId',
        'consecutiveFailedLoginAttempts',
        'statusDetail',
        'parameter',
        'userAction',
        'nextAutoSyncAt',
        'autoSyncDisabledAt',
        'consentExpiresAt',
        'products',
        'oauthRedirectUri',
      ]);
      const again = await api.patch(`/items/${created.body.id}`, {});
      expect(again).toMatchObject({
        status: 400,
        body: { code: 400, codeDescription: 'ITEM_ALREADY_UPDATING' },
      });

      const done = await sb.admin.waitForItemStatus(created.body.id, 'UPDATED');
      expect(done).toMatchObject({
        executionStatus: 'SUCCESS',
        consecutiveFailedLoginAttempts: 0,
        statusDetail: null,
      });
      const fetched = await api.get(`/items/${created.body.id}`);
      expectIsoDates(fetched.body);
      expect(Date.parse(fetched.body.nextAutoSyncAt) - Date.parse(fetched.body.lastUpdatedAt)).toBe(
        24 * 3600_000,
      );

      const patched = await api.patch(`/items/${created.body.id}`, { id: created.body.id });
      expect(patched.body.status).toBe('UPDATING');
      await sb.admin.waitForItemStatus(created.body.id, 'UPDATED');
    });

    it('walks a 2-step MFA: WAITING_USER_INPUT with parameter, then POST /mfa', async () => {
      const created = await create(3, { user: 'user-ok', password: 'password-ok' });
      const waiting = await sb.admin.waitForItemStatus(created.body.id, 'WAITING_USER_INPUT');
      expect(waiting.executionStatus).toBe('WAITING_USER_INPUT');
      expect(waiting.parameter).toMatchObject({ name: 'token', mfa: true, type: 'number' });
      expect(waiting.parameter?.expiresAt).toMatch(ISO_RE);
      expect(waiting.nextAutoSyncAt).toBeNull();
      const answered = await api.post(`/items/${created.body.id}/mfa`, { token: '123456' });
      expect(answered.body).toMatchObject({
        status: 'UPDATING',
        executionStatus: 'LOGIN_MFA_IN_PROGRESS',
        parameter: null,
      });
      const done = await sb.admin.waitForItemStatus(created.body.id, 'UPDATED');
      expect(done.nextAutoSyncAt).toBeNull(); // MFA connectors are not auto-synced
      const late = await api.post(`/items/${created.body.id}/mfa`, { token: '123456' });
      expect(late.status).toBe(400);
    });

    it('fails a wrong MFA and a failing username with LOGIN_ERROR / OUTDATED and error bodies', async () => {
      const wrongMfa = await create(1, { user: 'user-ok', password: 'password-ok', token: '000000' });
      const a = await sb.admin.waitForItemStatus(wrongMfa.body.id, 'LOGIN_ERROR');
      expect(a).toMatchObject({
        executionStatus: 'INVALID_CREDENTIALS_MFA',
        error: { code: 'INVALID_CREDENTIALS_MFA' },
        consecutiveFailedLoginAttempts: 1,
        nextAutoSyncAt: null,
      });
      const cases: [string, string, string][] = [
        ['user-locked', 'LOGIN_ERROR', 'ACCOUNT_LOCKED'],
        ['user-nobody', 'LOGIN_ERROR', 'INVALID_CREDENTIALS'],
        ['user-unavailable', 'OUTDATED', 'SITE_NOT_AVAILABLE'],
        ['user-logged', 'OUTDATED', 'ALREADY_LOGGED_IN'],
        ['user-account-need-actions-provider-message', 'LOGIN_ERROR', 'ACCOUNT_NEEDS_ACTION'],
      ];
      const items = await Promise.all(cases.map(([user]) => create(2, { user, password: 'password-ok' })));
      for (const [i, [, status, code]] of cases.entries()) {
        const it = await sb.admin.waitForItemStatus(items[i]!.body.id, status as 'LOGIN_ERROR');
        expect(it).toMatchObject({ executionStatus: code, error: { code } });
      }
      const withMessage = await api.get(`/items/${items[4]!.body.id}`);
      expect(withMessage.body.error.providerMessage).toEqual(expect.any(String));
    });

    it('reports PARTIAL_SUCCESS with statusDetail for user-ok-account-error', async () => {
      const created = await create(2, { user: 'user-ok-account-error', password: 'password-ok' });
      const done = await sb.admin.waitForItemStatus(created.body.id, 'UPDATED');
      expect(done.executionStatus).toBe('PARTIAL_SUCCESS');
      expect(done.statusDetail?.accounts).toEqual({ isUpdated: false, lastUpdatedAt: null, warnings: [] });
      expect(done.statusDetail?.creditCards?.isUpdated).toBe(true);
      const accounts = await api.get(`/accounts?itemId=${done.id}`);
      expect(accounts.body.results.map((a: { type: string }) => a.type)).toEqual(['CREDIT']);
    });

    it('answers bad input as Pluggy: validation 400 with details, unknown ids 404, bad ids 400', async () => {
      const invalid = await create(2, { user: 'bob', password: 'password-ok' });
      expect(invalid.status).toBe(400);
      expect(invalid.body).toMatchObject({
        code: 400,
        codeDescription: 'CONNECTOR_VALIDATION_ERROR',
        details: [{ code: '002', parameter: 'user' }],
      });
      expect((await api.post('/items', { parameters: {} })).body).toEqual({
        code: 400,
        message: 'connectorId should not be null or undefined,connectorId must be a number',
      });
      expect((await api.get(`/items/${UNKNOWN}`)).body).toEqual({
        code: 404,
        codeDescription: 'ITEM_NOT_FOUND',
        message: 'item not found',
      });
      expect((await api.get('/items/not-a-uuid')).body).toEqual({ code: 400, message: 'id must be a UUID' });
      expect((await api.get('/accounts')).body).toEqual({
        code: 400,
        message: 'itemId should not be null or undefined,itemId must be a UUID',
      });
      expect((await api.del(`/items/${UNKNOWN}`)).status).toBe(404);
      expect((await api.get('/nope')).status).toBe(404);
    });

    it('refuses new connections to an OFFLINE connector and duplicate credentials with avoidDuplicates', async () => {
      const params = { user: 'user-ok', password: 'password-ok' };
      const first = await create(0, params);
      await sb.admin.waitForItemStatus(first.body.id, 'UPDATED');
      const dup = await create(0, params, { avoidDuplicates: true });
      expect(dup.body).toMatchObject({
        code: 400,
        codeDescription: 'ITEM_USER_ALREADY_EXISTS',
        items: [first.body.id],
      });

      await sb.admin.setConnectorStatus(0, 'OFFLINE');
      try {
        expect((await create(0, params)).status).toBe(400);
        expect((await api.patch(`/items/${first.body.id}`, {})).status).toBe(400);
        expect((await api.get('/connectors/0')).body.health.status).toBe('OFFLINE');
      } finally {
        await sb.admin.setConnectorStatus(0, 'ONLINE');
      }
      expect((await create(0, params)).status).toBe(200);
    });

    it('deletes an item with 200 {count:1}; its data is gone', async () => {
      const item = await sb.admin.createItemNow({});
      const acct = (await api.get(`/accounts?itemId=${item.id}`)).body.results[0];
      expect(await api.del(`/items/${item.id}`)).toMatchObject({ status: 200, body: { count: 1 } });
      expect((await api.get(`/items/${item.id}`)).status).toBe(404);
      expect((await api.get(`/accounts/${acct.id}`)).status).toBe(404);
    });
  });

  describe('connect tokens', () => {
    it('mints 30 min JWTs on both paths carrying the options, itemId scoped (404 if unknown)', async () => {
      const r = await api.post('/connect_token', {
        options: { clientUserId: 'cu-9', webhookUrl: 'http://localhost:9/hook' },
      });
      const claims = decode(r.body.accessToken);
      expect(claims).toMatchObject({
        clientId: DEFAULT_CLIENT_ID,
        clientUserId: 'cu-9',
        webhookUrl: 'http://localhost:9/hook',
      });
      expect(claims.exp - claims.iat).toBe(1800);
      expect((await api.post('/connecttokens', {})).status).toBe(200);
      expect((await api.post('/connect_token', { itemId: UNKNOWN })).body.codeDescription).toBe(
        'ITEM_NOT_FOUND',
      );
    });

    it('reaches connectors and its own items only; product endpoints answer 403', async () => {
      const token = (await api.post('/connect_token', { options: { clientUserId: 'cu-widget' } })).body
        .accessToken;
      const widget = client(sb.url, token);
      expect((await widget.get('/connectors?sandbox=true')).status).toBe(200);
      expect((await widget.get('/connectors/2')).status).toBe(200);
      const created = await widget.post('/items', {
        connectorId: 2,
        parameters: { user: 'user-ok', password: 'password-ok' },
      });
      expect(created.body.clientUserId).toBe('cu-widget');
      await sb.admin.waitForItemStatus(created.body.id, 'UPDATED');
      expect((await widget.get(`/items/${created.body.id}`)).status).toBe(200);
      expect((await widget.get(`/accounts?itemId=${created.body.id}`)).status).toBe(200);

      const other = await sb.admin.createItemNow({});
      const denied = await widget.get(`/items/${other.id}`);
      expect(denied.status).toBe(403);
      expect(denied.body.codeDescription).toEqual(expect.any(String));
      const acct = (await api.get(`/accounts?itemId=${created.body.id}`)).body.results[0];
      for (const path of [
        `/v2/transactions?accountId=${acct.id}`,
        `/identity?itemId=${created.body.id}`,
        '/webhooks',
      ]) {
        const r = await widget.get(path);
        expect(r.status).toBe(403);
        expect(r.body.codeDescription).toEqual(expect.any(String));
      }
      expect((await widget.post('/connect_token', {})).status).toBe(403);

      // Update mode: a token naming the item reaches it.
      const scoped = (await api.post('/connect_token', { itemId: other.id })).body.accessToken;
      expect((await call(sb.url, 'GET', `/items/${other.id}`, { key: scoped })).status).toBe(200);
    });
  });

  describe('transactions', () => {
    let itemId: string;
    let accounts: { id: string; type: string }[];

    beforeAll(async () => {
      itemId = (await sb.admin.createItemNow({})).id;
      accounts = (await api.get(`/accounts?itemId=${itemId}`)).body.results;
    });

    const pageAll = async (accountId: string, filters = '') => {
      const rows: { id: string; date: string }[] = [];
      let next: string | null = `?accountId=${accountId}${filters}`;
      let pages = 0;
      while (next) {
        const r: Call = await api.get(`/v2/transactions${next}`);
        expect(r.status).toBe(200);
        expect(Object.keys(r.body)).toEqual(['results', 'next']);
        rows.push(...r.body.results);
        next = r.body.next;
        pages += 1;
        if (next) {
          expect(next.startsWith(`?accountId=${accountId}`)).toBe(true);
          expect(next).toMatch(/&after=[A-Za-z0-9_-]+$/);
        }
      }
      return { rows, pages };
    };

    it('pages the cursor through exactly what the sandbox holds, in (date, id) order', async () => {
      const truth = sb.admin.truth(itemId);
      for (const a of accounts) {
        const { rows, pages } = await pageAll(a.id);
        expect(pages).toBe(Math.ceil(80 / 25));
        expect(rows).toEqual(truth.transactionsByAccount[a.id]);
        const keys = rows.map((r) => `${r.date}|${r.id}`);
        expect(keys).toEqual([...keys].sort());
        expectIsoDates(rows);
      }
    });

    it('filters by dateFrom/dateTo, ids and createdAtFrom, and keeps the filters in next', async () => {
      const card = accounts.find((a) => a.type === 'CREDIT')!;
      const all = sb.admin.truth(itemId).transactionsByAccount[card.id]!;
      const from = all[20]!.date.slice(0, 10);
      const to = all[60]!.date.slice(0, 10);
      const { rows } = await pageAll(card.id, `&dateFrom=${from}&dateTo=${to}`);
      expect(rows.map((r) => r.id)).toEqual(
        all.filter((t) => t.date.slice(0, 10) >= from && t.date.slice(0, 10) <= to).map((t) => t.id),
      );
      const first = await api.get(`/v2/transactions?accountId=${card.id}&dateFrom=${from}&dateTo=${to}`);
      expect(first.body.next).toContain(`dateFrom=${from}&dateTo=${to}&after=`);

      const ids = [all[3]!.id, all[50]!.id];
      const byIds = await api.get(`/v2/transactions?accountId=${card.id}&ids=${ids.join(',')}`);
      expect(byIds.body.results.map((t: { id: string }) => t.id)).toEqual(ids);

      const later = new Date(Date.parse(all[0]!.createdAt) + 1).toISOString();
      expect((await api.get(`/v2/transactions?accountId=${card.id}&createdAtFrom=${later}`)).body).toEqual({
        results: [],
        next: null,
      });
    });

    it('refuses unknown parameters and bad filters with 400, unknown accounts with 404', async () => {
      const a = accounts[0]!.id;
      expect((await api.get(`/v2/transactions?accountId=${a}&pageSize=10&from=x`)).body).toEqual({
        code: 400,
        message: 'property pageSize should not exist,property from should not exist',
      });
      expect(
        (await api.get(`/v2/transactions?accountId=${a}&dateFrom=2025-01-01&createdAtFrom=2025-01-01`))
          .status,
      ).toBe(400);
      expect((await api.get(`/v2/transactions?accountId=${a}&after=%%%`)).status).toBe(400);
      expect((await api.get(`/v2/transactions?accountId=${a}&dateFrom=yesterday`)).status).toBe(400);
      expect((await api.get('/v2/transactions')).status).toBe(400);
      expect((await api.get(`/v2/transactions?accountId=${UNKNOWN}`)).status).toBe(404);
    });

    it('answers the classic list with 410 ENDPOINT_DEPRECATED and serves one transaction by id', async () => {
      const gone = await api.get(`/transactions?accountId=${accounts[0]!.id}`);
      expect(gone.status).toBe(410);
      expect(gone.body).toMatchObject({ code: 410, codeDescription: 'ENDPOINT_DEPRECATED' });
      const one = sb.admin.truth(itemId).transactionsByAccount[accounts[0]!.id]![5]!;
      expect((await api.get(`/transactions/${one.id}`)).body).toEqual(one);
      expect((await api.get(`/transactions/${UNKNOWN}`)).status).toBe(404);
    });

    it('serves identity, investments (+ transactions), loans, bills and categories in Pluggy envelopes', async () => {
      const identity = await api.get(`/identity?itemId=${itemId}`);
      expect(identity.body).toMatchObject({ itemId, documentType: 'CPF' });
      const inv = await api.get(`/investments?itemId=${itemId}`);
      expect(inv.body).toMatchObject({ page: 1, totalPages: 1 });
      expect(inv.body.results.length).toBeGreaterThanOrEqual(3);
      const invTx = await api.get(`/investments/${inv.body.results[0].id}/transactions?pageSize=500`);
      expect(invTx.body.results.length).toBeGreaterThan(0);
      expect((await api.get(`/loans?itemId=${itemId}`)).body.results[0]).toMatchObject({
        itemId,
        kind: 'LOAN',
      });
      const card = accounts.find((a) => a.type === 'CREDIT')!;
      const bills = await api.get(`/bills?accountId=${card.id}`);
      expect(bills.body.total).toBeGreaterThanOrEqual(12);
      const page2 = await api.get(`/bills?accountId=${card.id}&pageSize=5&page=2`);
      expect(page2.body).toMatchObject({
        page: 2,
        total: bills.body.total,
        totalPages: Math.ceil(bills.body.total / 5),
      });
      expect(page2.body.results).toEqual(bills.body.results.slice(5, 10));
      expect((await api.get(`/bills/${bills.body.results[0].id}`)).body.id).toBe(bills.body.results[0].id);
      const cats = await api.get('/categories');
      expect(cats.body.results.find((c: { id: string }) => c.id === '05070000')).toMatchObject({
        description: 'Transfer - PIX',
        parentId: '05000000',
      });
      for (const body of [identity.body, inv.body, bills.body]) expectIsoDates(body);
    });
  });

  describe('webhook resources', () => {
    it('creates, lists, reads, updates and deletes webhooks, all with 200', async () => {
      const created = await api.post('/webhooks', {
        event: 'all',
        url: 'http://127.0.0.1:9/hook',
        headers: { 'X-Secret': 's3cr3t' },
      });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ event: 'all', url: 'http://127.0.0.1:9/hook', disabledAt: null });
      expect(created.body).not.toHaveProperty('headers');
      const id = created.body.id;
      expect((await api.get('/webhooks')).body.results.map((w: { id: string }) => w.id)).toContain(id);
      const disabled = await api.patch(`/webhooks/${id}`, { enabled: false, event: 'item/updated' });
      expect(disabled.body).toMatchObject({
        event: 'item/updated',
        disabledAt: expect.stringMatching(ISO_RE),
      });
      expect((await api.del(`/webhooks/${id}`)).status).toBe(200);
      expect((await api.get(`/webhooks/${id}`)).status).toBe(404);
      expect((await api.post('/webhooks', { event: 'item/nope', url: 'http://x' })).status).toBe(400);
      expect((await api.post('/webhooks', { event: 'all', url: 'not a url' })).status).toBe(400);
    });
  });

  describe('faults', () => {
    it('injects 5xx and 429 with Retry-After, drops connections, and expires keys', async () => {
      sb.admin.resetRequests();
      sb.admin.addFault({ method: 'GET', path: '/categories', times: 1, kind: 'respond', status: 503 });
      sb.admin.addFault({ path: '/categories/*', times: 1, kind: 'respond', status: 429 });
      expect((await api.get('/categories')).status).toBe(503);
      const limited = await api.get('/categories/01000000');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect(limited.body.code).toBe(429);
      expect((await api.get('/categories')).status).toBe(200);

      sb.admin.addFault({ path: '/connectors', times: 1, kind: 'drop' });
      await expect(api.get('/connectors')).rejects.toThrow();

      sb.admin.addFault({ path: '/connectors', times: 1, kind: 'latency', ms: 20 });
      expect((await api.get('/connectors')).status).toBe(200);

      const k2 = await apiKey(sb.url);
      sb.admin.addFault({ path: '/connectors/2', times: 1, kind: 'expire-key' });
      expect((await call(sb.url, 'GET', '/connectors/2', { key: k2 })).body).toEqual(NOT_AUTH);
      // The key stays dead (as an expired one would); a fresh one works.
      expect((await call(sb.url, 'GET', '/connectors/2', { key: k2 })).status).toBe(403);
      expect((await call(sb.url, 'GET', '/connectors/2', { key: await apiKey(sb.url) })).status).toBe(200);

      // A fault with rate 0 never fires.
      sb.admin.addFault({ path: '/connectors', rate: 0, kind: 'respond', status: 500 });
      expect((await api.get('/connectors')).status).toBe(200);
      sb.admin.clearFaults();

      const log = sb.admin.requests().map((r) => `${r.method} ${r.path} ${r.status}`);
      expect(log.slice(0, 4)).toEqual([
        'GET /categories 503',
        'GET /categories/01000000 429',
        'GET /categories 200',
        'GET /connectors 0',
      ]);
    });
  });

  describe('Connect widget stand-in files', () => {
    it('serves the page, zoid from node_modules, and never leaves the folder', async () => {
      const page = await call(sb.url, 'GET', '/connect');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect((await call(sb.url, 'GET', '/connect/connect.js')).status).toBe(200);
      const zoid = await call(sb.url, 'GET', '/connect/zoid.js');
      expect(zoid.status).toBe(200);
      expect(zoid.headers.get('content-type')).toContain('javascript');
      expect(String(zoid.body)).toContain('zoid');
      for (const path of [
        '/connect/..%2Findex.ts',
        '/connect/%2e%2e/%2e%2e/package.json',
        '/connect/missing.js',
        // The page's own test lives in the folder; only what a browser loads is served.
        '/connect/widget-standin.int.test.ts',
      ]) {
        expect((await call(sb.url, 'GET', path)).status).toBe(404);
      }
    });
  });
});
