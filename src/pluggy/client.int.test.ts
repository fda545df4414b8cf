import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log.ts';
import { createPluggyClient, type PluggyClientOptions } from './client.ts';
import { PluggyError } from './errors.ts';
import {
  accountPayload,
  connectorPayload,
  investmentPayload,
  itemPayload,
  page,
  transactionPayload,
} from './testing/fixtures.ts';
import { fakeApiKey } from './testing/jwt.ts';
import { type RecordedRequest, type ScriptedServer, startScriptedServer } from './testing/scriptedServer.ts';

const CLIENT_ID = '8c4f2e10-0000-4000-8000-0000000000aa';
const CLIENT_SECRET = 'test-client-secret-5b9e1d7c';
const ACCOUNT_ID = '9f2d7a10-4444-4e6f-9a71-dddddddddddd';
const ITEM_ID = '5f1c2a9e-7b41-4c0e-9d2a-3e8b6f0c1d27';

type Harness = {
  server: ScriptedServer;
  client: ReturnType<typeof createPluggyClient>;
  /** Every API key /auth handed out, in order. */
  issued: string[];
  logLines: string[];
  keyOf(req: RecordedRequest): string | undefined;
};

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/**
 * A scripted Pluggy whose /auth issues a new 2-hour JWT per call, unless `keyFor(serial)` says
 * otherwise, and a client pointed at it with a debug logger whose lines are captured.
 */
async function harness(
  options: Partial<PluggyClientOptions> & { keyFor?: (serial: number) => string } = {},
): Promise<Harness> {
  const { keyFor, ...clientOptions } = options;
  const server = await startScriptedServer();
  servers.push(server);
  const issued: string[] = [];
  server.on('POST /auth', () => {
    const key = keyFor?.(issued.length + 1) ?? fakeApiKey(issued.length + 1);
    issued.push(key);
    return { body: { apiKey: key } };
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const client = createPluggyClient({
    baseUrl: server.url,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    retryBaseDelayMs: 1,
    logger: createLogger('debug', sink),
    ...clientOptions,
  });
  const keyOf = (req: RecordedRequest) => req.headers['x-api-key'] as string | undefined;
  return { server, client, issued, logLines, keyOf };
}

async function caught(promise: Promise<unknown>): Promise<PluggyError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(PluggyError);
    return err as PluggyError;
  }
  throw new Error('expected the call to fail');
}

/** A key at the end of its 2-hour life: still valid for 30 s, inside the 60 s refresh margin. */
const nearlyExpiredKey = (serial: number) => fakeApiKey(serial, 7200, Date.now() - 7170_000);

describe('authentication', () => {
  it('gets one API key from /auth and sends it as X-API-KEY on every call', async () => {
    const h = await harness();
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      body: accountPayload({ id: 'a1a1a1a1-0000-4000-8000-0000000000a1' }),
    });

    for (let i = 0; i < 3; i++) await h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1');

    const auth = h.server.requests('POST /auth');
    expect(auth).toHaveLength(1);
    expect(auth[0]?.body).toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, nonExpiring: false });
    expect(h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1').map(h.keyOf)).toEqual([
      h.issued[0],
      h.issued[0],
      h.issued[0],
    ]);
  });

  it('renews a key inside the refresh margin before using it again, instead of waiting for a refusal', async () => {
    const h = await harness({
      keyFor: (serial) => (serial === 1 ? nearlyExpiredKey(1) : fakeApiKey(serial)),
    });
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      body: accountPayload({ id: 'a1a1a1a1-0000-4000-8000-0000000000a1' }),
    });

    await h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'); // gets key 1, still valid for 30 s, so this call uses it
    await h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'); // key 1 is inside the 60 s margin: renewed first
    await h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'); // key 2 has two hours left: reused

    expect(h.server.requests('POST /auth')).toHaveLength(2);
    expect(h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1').map(h.keyOf)).toEqual([
      h.issued[0],
      h.issued[1],
      h.issued[1],
    ]);
  });

  it('makes exactly one /auth for 50 concurrent calls that find the key stale', async () => {
    const h = await harness({
      keyFor: (serial) => (serial === 1 ? nearlyExpiredKey(1) : fakeApiKey(serial)),
    });
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      body: accountPayload({ id: 'a1a1a1a1-0000-4000-8000-0000000000a1' }),
    });
    await h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1');

    await Promise.all(
      Array.from({ length: 50 }, () => h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1')),
    );

    expect(h.server.requests('POST /auth')).toHaveLength(2);
    const keys = h.server
      .requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1')
      .slice(1)
      .map(h.keyOf);
    expect(keys).toHaveLength(50);
    expect(new Set(keys)).toEqual(new Set([h.issued[1]]));
  });

  it('makes exactly one /auth for 50 concurrent first calls', async () => {
    const h = await harness();
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      body: accountPayload({ id: 'a1a1a1a1-0000-4000-8000-0000000000a1' }),
    });
    await Promise.all(
      Array.from({ length: 50 }, () => h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1')),
    );
    expect(h.server.requests('POST /auth')).toHaveLength(1);
  });

  it('re-authenticates once when Pluggy answers 401, even for 50 concurrent calls', async () => {
    const h = await harness();
    // The first key is refused (revoked server-side before its exp); later keys work.
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', (req) =>
      h.keyOf(req) === h.issued[0]
        ? { status: 401, body: { code: 401, message: 'Unauthorized' } }
        : { body: accountPayload({ id: 'a1a1a1a1-0000-4000-8000-0000000000a1' }) },
    );

    const results = await Promise.all(
      Array.from({ length: 50 }, () => h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1')),
    );

    expect(results.every((a) => a.id === 'a1a1a1a1-0000-4000-8000-0000000000a1')).toBe(true);
    expect(h.server.requests('POST /auth')).toHaveLength(2);
  });

  it('treats a 403 without codeDescription as an expired key: re-authenticates and retries', async () => {
    const h = await harness();
    h.server.queue('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      status: 403,
      body: { code: 403, message: 'Missing or invalid authorization token' },
    });
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      body: accountPayload({ id: 'a1a1a1a1-0000-4000-8000-0000000000a1' }),
    });

    await expect(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1')).resolves.toMatchObject({
      id: 'a1a1a1a1-0000-4000-8000-0000000000a1',
    });
    expect(h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1').map(h.keyOf)).toEqual([
      h.issued[0],
      h.issued[1],
    ]);
  });

  it('treats a 403 with codeDescription as a real denial: auth error, no re-auth, no retry', async () => {
    const h = await harness();
    h.server.on('GET /v2/items', {
      status: 403,
      body: { code: 403, codeDescription: 'LIST_ITEMS_FEATURE_NOT_ENABLED', message: 'Feature not enabled' },
    });
    h.server.on('POST /connect_token', {
      status: 403,
      body: { code: 403, codeDescription: 'FORBIDDEN_RESOURCE', message: 'Forbidden' },
    });

    const err = await caught(h.client.createConnectToken());

    expect(err).toMatchObject({ code: 'auth', status: 403, pluggyCode: 'FORBIDDEN_RESOURCE' });
    expect(h.server.requests('POST /connect_token')).toHaveLength(1);
    expect(h.server.requests('POST /auth')).toHaveLength(1);
  });

  it('gives up with an auth error when the renewed key is refused too', async () => {
    const h = await harness();
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      status: 401,
      body: { code: 401, message: 'Unauthorized' },
    });

    const err = await caught(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'));

    expect(err).toMatchObject({
      code: 'auth',
      status: 401,
      method: 'GET',
      path: '/accounts/a1a1a1a1-0000-4000-8000-0000000000a1',
    });
    expect(h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1')).toHaveLength(2);
    expect(h.server.requests('POST /auth')).toHaveLength(2);
  });

  it('reports wrong client keys as an auth error without retrying /auth', async () => {
    const h = await harness();
    h.server.on('POST /auth', {
      status: 401,
      body: { code: 401, codeDescription: 'CLIENT_KEYS_UNAUTHORIZED', message: 'Client keys are invalid' },
    });

    const err = await caught(h.client.getConnectors());

    expect(err).toMatchObject({
      code: 'auth',
      status: 401,
      pluggyCode: 'CLIENT_KEYS_UNAUTHORIZED',
      pluggyMessage: 'Client keys are invalid',
      path: '/auth',
    });
    expect(err.message).toBe(
      'Pluggy refused the client id/secret (401 CLIENT_KEYS_UNAUTHORIZED): check PLUGGY_CLIENT_ID and ' +
        'PLUGGY_CLIENT_SECRET (and PLUGGY_BASE_URL)',
    );
    expect(h.server.requests('POST /auth')).toHaveLength(1);
    expect(h.server.requests('GET /connectors')).toHaveLength(0);
  });
});

describe('retries', () => {
  it('honours Retry-After on 429: the retry arrives no sooner than the header says', async () => {
    const h = await harness();
    h.server.queue('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      status: 429,
      headers: { 'retry-after': '1' },
      body: {
        code: 429,
        message: 'Too many requests. Please try again later (see Retry-After header in seconds)',
      },
    });
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      body: accountPayload({ id: 'a1a1a1a1-0000-4000-8000-0000000000a1' }),
    });

    await expect(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1')).resolves.toMatchObject({
      id: 'a1a1a1a1-0000-4000-8000-0000000000a1',
    });

    const [first, second] = h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1');
    expect(second).toBeDefined();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
  });

  it('fails fast with rate-limited when Retry-After does not fit the retry budget', async () => {
    // Defaults: 60 s budget. Pluggy's usual Retry-After of 60 s plus time already spent exceeds it.
    const h = await harness({ retryBaseDelayMs: 250 });
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      status: 429,
      headers: { 'retry-after': '60' },
      body: { code: 429, message: 'Too many requests' },
    });

    const err = await caught(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'));

    expect(err).toMatchObject({ code: 'rate-limited', status: 429, retryAfterMs: 60_000 });
    expect(h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1')).toHaveLength(1);
  });

  it('fails fast when Retry-After exceeds maxRetryAfterMs, carrying the server value', async () => {
    const h = await harness({ maxRetryAfterMs: 5_000, maxRetryTimeMs: 600_000 });
    const at = new Date(Date.now() + 120_000).toUTCString();
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      status: 429,
      headers: { 'retry-after': at },
      body: { code: 429 },
    });

    const err = await caught(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'));

    expect(err.code).toBe('rate-limited');
    expect(err.retryAfterMs).toBeGreaterThan(100_000);
    expect(h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1')).toHaveLength(1);
  });

  it('retries a create after 429, since Pluggy refused it before acting', async () => {
    const h = await harness();
    h.server.queue('POST /items', { status: 429, headers: { 'retry-after': '0' }, body: { code: 429 } });
    h.server.on('POST /items', { body: itemPayload() });

    await h.client.createItem({ connectorId: 2, parameters: { user: 'user-ok', password: 'password-ok' } });

    expect(h.server.requests('POST /items')).toHaveLength(2);
  });

  it('retries 5xx on reads and succeeds when Pluggy recovers', async () => {
    const h = await harness();
    h.server.queue(
      'GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1',
      { status: 503, body: { code: 503, message: 'maintenance' } },
      {
        status: 500,
        body: { code: 500, codeDescription: 'INTERNAL_SERVER_ERROR', message: 'Internal Server Error' },
      },
    );
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      body: accountPayload({ id: 'a1a1a1a1-0000-4000-8000-0000000000a1' }),
    });

    await expect(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1')).resolves.toMatchObject({
      id: 'a1a1a1a1-0000-4000-8000-0000000000a1',
    });
    expect(h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1')).toHaveLength(3);
  });

  it('stops after maxAttempts with a typed unavailable error', async () => {
    const h = await harness({ maxAttempts: 4 });
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      status: 500,
      body: { code: 500, codeDescription: 'INTERNAL_SERVER_ERROR', message: 'Internal Server Error' },
    });

    const err = await caught(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'));

    expect(err).toMatchObject({
      code: 'unavailable',
      status: 500,
      pluggyCode: 'INTERNAL_SERVER_ERROR',
      attempts: 4,
      method: 'GET',
      path: '/accounts/a1a1a1a1-0000-4000-8000-0000000000a1',
    });
    expect(h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1')).toHaveLength(4);
  });

  it('stops retrying when the next back-off would exceed maxRetryTimeMs', async () => {
    // Back-off ceiling 1 s·2^(n-1) with random() pinned near 1 is ≈1 s, above a 100 ms budget.
    const h = await harness({ maxAttempts: 10, retryBaseDelayMs: 1000, maxRetryTimeMs: 100 });
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', { status: 502, body: { code: 502 } });
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    try {
      const err = await caught(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'));
      expect(err).toMatchObject({ code: 'unavailable', status: 502 });
    } finally {
      random.mockRestore();
    }
    expect(h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1')).toHaveLength(1);
  });

  // Timeouts here are generous (seconds, not milliseconds): on a loaded machine /auth itself may
  // take a few hundred ms, and a short timeout would then fail the wrong request. Only the
  // hanging route can reach the timeout; what is asserted is the outcome, never the elapsed time.
  const STALL_TIMEOUT_MS = 2_000;

  it('times out a stalled request and reports unavailable', { timeout: 60_000 }, async () => {
    const h = await harness({ timeoutMs: STALL_TIMEOUT_MS, maxAttempts: 2 });
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', { hang: true });

    const err = await caught(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'));

    expect(err.code).toBe('unavailable');
    expect(err.message).toMatch(/timed out/);
    expect(h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1')).toHaveLength(2);
  });

  it('does not resend a create after a 5xx, a timeout or a dropped connection', {
    timeout: 60_000,
  }, async () => {
    const h = await harness({ timeoutMs: STALL_TIMEOUT_MS });
    const input = { connectorId: 2, parameters: { user: 'user-ok', password: 'password-ok' } };

    h.server.queue('POST /items', {
      status: 500,
      body: { code: 500, codeDescription: 'INTERNAL_SERVER_ERROR' },
    });
    expect((await caught(h.client.createItem(input))).code).toBe('unavailable');
    expect(h.server.requests('POST /items')).toHaveLength(1);

    h.server.queue('POST /items', { hang: true });
    expect((await caught(h.client.createItem(input))).code).toBe('unavailable');
    expect(h.server.requests('POST /items')).toHaveLength(2);

    h.server.queue('POST /items', { drop: true });
    expect((await caught(h.client.createItem(input))).code).toBe('unavailable');
    expect(h.server.requests('POST /items')).toHaveLength(3);

    h.server.queue('POST /connect_token', { status: 503, body: { code: 503 } });
    h.server.queue('POST /webhooks', { drop: true });
    h.server.queue(`POST /items/${ITEM_ID}/mfa`, { status: 502, body: { code: 502 } });
    await caught(h.client.createConnectToken());
    await caught(h.client.createWebhook({ event: 'all', url: 'https://hooks.example.com/p' }));
    await caught(h.client.sendItemMfa(ITEM_ID, { token: '123456' }));
    expect(h.server.requests('POST /connect_token')).toHaveLength(1);
    expect(h.server.requests('POST /webhooks')).toHaveLength(1);
    expect(h.server.requests(`POST /items/${ITEM_ID}/mfa`)).toHaveLength(1);
  });

  it('resends a create whose connection was refused, since it never reached Pluggy', async () => {
    const server = await startScriptedServer();
    servers.push(server);
    server.on('POST /auth', { body: { apiKey: fakeApiKey(1) } });
    server.on('POST /items', { body: itemPayload() });
    // A port that was just free: connecting to it is refused.
    const dead = await startScriptedServer();
    const deadUrl = dead.url;
    await dead.close();

    let refusedOnce = false;
    const client = createPluggyClient({
      baseUrl: server.url,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      retryBaseDelayMs: 1,
      fetch: (url, init) => {
        if (!refusedOnce && String(url).endsWith('/items')) {
          refusedOnce = true;
          return fetch(String(url).replace(server.url, deadUrl), init);
        }
        return fetch(url, init);
      },
    });

    await expect(
      client.createItem({ connectorId: 2, parameters: { user: 'user-ok', password: 'password-ok' } }),
    ).resolves.toMatchObject({ id: ITEM_ID });
    expect(refusedOnce).toBe(true);
    expect(server.requests('POST /items')).toHaveLength(1);
  });

  it('treats a DELETE that finds nothing after an ambiguous attempt as done', async () => {
    const h = await harness();
    h.server.queue(`DELETE /items/${ITEM_ID}`, { drop: true });
    h.server.on(`DELETE /items/${ITEM_ID}`, {
      status: 404,
      body: { code: 404, codeDescription: 'ITEM_NOT_FOUND', message: 'item not found' },
    });

    await expect(h.client.deleteItem(ITEM_ID)).resolves.toBeUndefined();
    expect(h.server.requests(`DELETE /items/${ITEM_ID}`)).toHaveLength(2);

    // Without an earlier ambiguous attempt a 404 is a plain not-found.
    expect((await caught(h.client.deleteItem(ITEM_ID))).code).toBe('not-found');
  });
});

describe('redirects', () => {
  it('never follows a redirect: the other host gets neither the API key nor the client secret', async () => {
    const h = await harness();
    const elsewhere = await startScriptedServer();
    servers.push(elsewhere);
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      status: 302,
      headers: { location: `${elsewhere.url}/accounts/a1a1a1a1-0000-4000-8000-0000000000a1` },
    });

    const err = await caught(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'));

    // contract-mismatch: Pluggy never redirects, so this is a wrong base URL or a changed API;
    // a retry (ours or a queue's) cannot help.
    expect(err).toMatchObject({
      code: 'contract-mismatch',
      path: '/accounts/a1a1a1a1-0000-4000-8000-0000000000a1',
      attempts: 1,
    });
    expect(h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1')).toHaveLength(1);
    expect(
      h.server.requests('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1')[0]?.headers['x-api-key'],
    ).toBe(h.issued[0]);

    // The same for /auth, whose body carries the client secret (307 would resend it).
    h.server.on('POST /auth', { status: 307, headers: { location: `${elsewhere.url}/auth` } });
    const fresh = createPluggyClient({
      baseUrl: h.server.url,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    });
    expect(await caught(fresh.getConnectors())).toMatchObject({ code: 'contract-mismatch', path: '/auth' });

    expect(elsewhere.requests()).toHaveLength(0);
  });
});

describe('error mapping', () => {
  it('maps Pluggy statuses to codes and keeps codeDescription, message and details', async () => {
    const h = await harness();
    const details = [{ code: '001', parameter: 'user', message: 'user parameter is required' }];
    h.server.on('POST /items', {
      status: 400,
      body: {
        code: 400,
        codeDescription: 'CONNECTOR_VALIDATION_ERROR',
        message: 'Connector parameters do not match validation rules',
        details,
      },
    });
    h.server.on(`GET /items/${ITEM_ID}`, {
      status: 404,
      body: { code: 404, codeDescription: 'ITEM_NOT_FOUND', message: 'item not found' },
    });
    h.server.on(`PATCH /items/${ITEM_ID}`, {
      status: 409,
      body: {
        code: 409,
        codeDescription: 'CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY',
        message: 'too soon',
      },
    });
    h.server.on('GET /transactions/71717171-0000-4000-8000-000000000071', {
      status: 410,
      body: { code: 410, codeDescription: 'ENDPOINT_DEPRECATED', message: 'use GET /v2/transactions' },
    });

    const invalid = await caught(h.client.createItem({ connectorId: 2, parameters: {} }));
    expect(invalid).toMatchObject({
      code: 'invalid-request',
      status: 400,
      pluggyCode: 'CONNECTOR_VALIDATION_ERROR',
      pluggyMessage: 'Connector parameters do not match validation rules',
      details,
    });
    expect(await caught(h.client.getItem(ITEM_ID))).toMatchObject({
      code: 'not-found',
      pluggyCode: 'ITEM_NOT_FOUND',
    });
    expect(await caught(h.client.updateItem(ITEM_ID))).toMatchObject({
      code: 'invalid-request',
      status: 409,
    });
    expect(await caught(h.client.getTransaction('71717171-0000-4000-8000-000000000071'))).toMatchObject({
      code: 'invalid-request',
      status: 410,
    });
  });

  it('returns null identity when Pluggy has none (404)', async () => {
    const h = await harness();
    h.server.on('GET /identity', { status: 404, body: { code: 404, message: 'identity not found' } });
    await expect(h.client.getIdentity(ITEM_ID)).resolves.toBeNull();
    expect(h.server.requests('GET /identity')[0]?.query.get('itemId')).toBe(ITEM_ID);
  });
});

describe('response validation', () => {
  it('raises contract-mismatch naming the field when a required field is missing', async () => {
    const h = await harness();
    const { balance: _, ...withoutBalance } = accountPayload({ id: 'a1a1a1a1-0000-4000-8000-0000000000a1' });
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', { body: withoutBalance });

    const err = await caught(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'));

    expect(err.code).toBe('contract-mismatch');
    expect(err.message).toContain('balance');
  });

  it('names the path inside a list, and rejects an unknown money direction', async () => {
    const h = await harness();
    h.server.on('GET /v2/transactions', {
      body: {
        results: [transactionPayload('t1'), transactionPayload('t2', { type: 'SIDEWAYS' })],
        next: null,
      },
    });

    const err = await caught(h.client.transactionPages(ACCOUNT_ID).next());

    expect(err.code).toBe('contract-mismatch');
    expect(err.message).toContain('results.1.type');
  });

  it('raises contract-mismatch on a 200 that is not JSON', async () => {
    const h = await harness();
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', { raw: '<html>gateway</html>' });
    expect((await caught(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1'))).code).toBe(
      'contract-mismatch',
    );
  });

  it('keeps unknown fields and accepts enum values Pluggy adds later', async () => {
    const h = await harness();
    h.server.on(`GET /items/${ITEM_ID}`, {
      body: itemPayload({
        executionStatus: 'SOMETHING_NEW_IN_2027',
        status: 'NEW_STATUS',
        brandNewField: { a: 1 },
      }),
    });

    const item = await h.client.getItem(ITEM_ID);

    expect(item.executionStatus).toBe('SOMETHING_NEW_IN_2027');
    expect(item.status).toBe('NEW_STATUS');
    expect((item as Record<string, unknown>).brandNewField).toEqual({ a: 1 });
  });
});

describe('pagination', () => {
  it('follows the transactions cursor until next is null, resending our own filters', async () => {
    const h = await harness();
    const next = (after: string) =>
      `?accountId=${ACCOUNT_ID}&createdAtFrom=2024-01-01T00%3A00%3A00.000Z&after=${after}`;
    h.server.queue(
      'GET /v2/transactions',
      { body: { results: [transactionPayload('t1'), transactionPayload('t2')], next: next('c1') } },
      { body: { results: [transactionPayload('t3')], next: next('c2') } },
      { body: { results: [transactionPayload('t4')], next: null } },
    );

    const pages: string[][] = [];
    for await (const p of h.client.transactionPages(ACCOUNT_ID, {
      createdAtFrom: '2024-01-01T00:00:00.000Z',
    })) {
      pages.push(p.map((t) => t.id));
    }

    expect(pages).toEqual([['t1', 't2'], ['t3'], ['t4']]);
    const sent = h.server.requests('GET /v2/transactions').map((r) => Object.fromEntries(r.query));
    expect(sent).toEqual([
      { accountId: ACCOUNT_ID, createdAtFrom: '2024-01-01T00:00:00.000Z' },
      { accountId: ACCOUNT_ID, createdAtFrom: '2024-01-01T00:00:00.000Z', after: 'c1' },
      { accountId: ACCOUNT_ID, createdAtFrom: '2024-01-01T00:00:00.000Z', after: 'c2' },
    ]);
  });

  it('stops with contract-mismatch when the cursor does not advance', async () => {
    const h = await harness();
    h.server.on('GET /v2/transactions', (req) => ({
      body: { results: [transactionPayload(`t-${req.query.get('after') ?? 'first'}`)], next: '?after=stuck' },
    }));

    const ids: string[] = [];
    const err = await caught(
      (async () => {
        for await (const p of h.client.transactionPages(ACCOUNT_ID)) ids.push(...p.map((t) => t.id));
      })(),
    );

    expect(err.code).toBe('contract-mismatch');
    expect(err.message).toMatch(/cursor did not advance/);
    expect(ids).toEqual(['t-first', 't-stuck']);
    expect(h.server.requests('GET /v2/transactions')).toHaveLength(2);
  });

  it('stops with contract-mismatch when next carries no cursor', async () => {
    const h = await harness();
    h.server.on('GET /v2/transactions', { body: { results: [], next: `?accountId=${ACCOUNT_ID}` } });
    const pages = h.client.transactionPages(ACCOUNT_ID);
    await expect(pages.next()).resolves.toMatchObject({ done: false, value: [] });
    expect((await caught(pages.next())).code).toBe('contract-mismatch');
    expect(h.server.requests('GET /v2/transactions')).toHaveLength(1);
  });

  it('asks for transactions by id in chunks of at most 500', async () => {
    const h = await harness();
    h.server.on('GET /v2/transactions', (req) => ({
      body: {
        results: (req.query.get('ids') ?? '').split(',').map((id) => transactionPayload(id)),
        next: null,
      },
    }));
    const ids = Array.from(
      { length: 1200 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );

    const found = await h.client.getTransactionsByIds(ACCOUNT_ID, ids);

    expect(found.map((t) => t.id)).toEqual(ids);
    const chunks = h.server
      .requests('GET /v2/transactions')
      .map((r) => r.query.get('ids')?.split(',').length);
    expect(chunks).toEqual([500, 500, 200]);
  });

  it('collects every page of a page-numbered list with pageSize 500', async () => {
    const h = await harness();
    h.server.on('GET /investments', (req) => {
      const n = Number(req.query.get('page'));
      return { body: page([investmentPayload(`inv-${n}`)], n, 3) };
    });

    const investments = await h.client.getInvestments(ITEM_ID);

    expect(investments.map((i) => i.id)).toEqual(['inv-1', 'inv-2', 'inv-3']);
    const sent = h.server.requests('GET /investments').map((r) => Object.fromEntries(r.query));
    expect(sent).toEqual([1, 2, 3].map((n) => ({ itemId: ITEM_ID, page: String(n), pageSize: '500' })));
  });

  it('sends no paging parameters for one-page lists, and `page` only when Pluggy reports more', async () => {
    const h = await harness();
    const category = (id: string) => ({ id, description: `cat ${id}` });
    const webhook = (id: string) => ({
      id,
      event: 'item/updated',
      url: 'https://example.com/hooks',
      createdAt: '2025-02-03T14:00:00.000Z',
      updatedAt: '2025-02-03T14:00:00.000Z',
    });
    h.server.on('GET /accounts', (req) => {
      const n = Number(req.query.get('page') ?? 1);
      return { body: page([accountPayload({ id: `a-${n}` })], n, 2) };
    });
    h.server.on('GET /categories', { body: page([category('c-1')]) });
    h.server.on('GET /webhooks', (req) => {
      const n = Number(req.query.get('page') ?? 1);
      return { body: page([webhook(`w-${n}`)], n, 2) };
    });
    h.server.on('GET /bills', { body: page([]) });
    h.server.on('GET /loans', { body: page([]) });

    expect((await h.client.getAccounts(ITEM_ID, 'BANK')).map((a) => a.id)).toEqual(['a-1', 'a-2']);
    expect((await h.client.getCategories()).map((c) => c.id)).toEqual(['c-1']);
    expect((await h.client.listWebhooks()).map((w) => w.id)).toEqual(['w-1', 'w-2']);
    await h.client.getBills(ACCOUNT_ID);
    await h.client.getLoans(ITEM_ID);

    const sent = (route: string) => h.server.requests(route).map((r) => Object.fromEntries(r.query));
    expect(sent('GET /accounts')).toEqual([
      { itemId: ITEM_ID, type: 'BANK' },
      { itemId: ITEM_ID, type: 'BANK', page: '2' },
    ]);
    expect(sent('GET /categories')).toEqual([{}]);
    expect(sent('GET /webhooks')).toEqual([{}, { page: '2' }]);
    expect(sent('GET /bills')).toEqual([{ accountId: ACCOUNT_ID, page: '1', pageSize: '500' }]);
    expect(sent('GET /loans')).toEqual([{ itemId: ITEM_ID, page: '1', pageSize: '500' }]);
  });

  it('pages investment transactions with pageSize 500', async () => {
    const h = await harness();
    h.server.on('GET /investments/1a1a1a1a-0000-4000-8000-000000000001/transactions', { body: page([]) });

    for await (const _ of h.client.investmentTransactionPages('1a1a1a1a-0000-4000-8000-000000000001')) {
      // drain
    }

    expect(
      h.server
        .requests('GET /investments/1a1a1a1a-0000-4000-8000-000000000001/transactions')
        .map((r) => Object.fromEntries(r.query)),
    ).toEqual([{ page: '1', pageSize: '500' }]);
  });
});

describe('request shapes', () => {
  it('nests connect-token options under `options` with itemId at top level', async () => {
    const h = await harness();
    h.server.on('POST /connect_token', { body: { accessToken: fakeApiKey(99, 1800) } });

    await h.client.createConnectToken({ itemId: ITEM_ID, clientUserId: 'u-1', avoidDuplicates: true });
    await h.client.createConnectToken();

    const [withItem, bare] = h.server.requests('POST /connect_token');
    expect(withItem?.body).toEqual({
      itemId: ITEM_ID,
      options: { clientUserId: 'u-1', avoidDuplicates: true },
    });
    expect(bare?.body).toEqual({});
  });

  it('sends connector filters as Pluggy expects: comma-joined arrays, literal booleans', async () => {
    const h = await harness();
    h.server.on('GET /connectors', { body: page([connectorPayload()]) });

    const connectors = await h.client.getConnectors({
      countries: ['BR'],
      types: ['PERSONAL_BANK', 'BUSINESS_BANK'],
      sandbox: true,
      isOpenFinance: false,
    });

    expect(connectors.map((c) => c.id)).toEqual([2]);
    expect(Object.fromEntries(h.server.requests('GET /connectors')[0]!.query)).toEqual({
      countries: 'BR',
      types: 'PERSONAL_BANK,BUSINESS_BANK',
      sandbox: 'true',
      isOpenFinance: 'false',
    });
  });
});

describe('secrets', () => {
  it('never puts the client secret, an API key or a connect token in an error or a log line', {
    timeout: 60_000,
  }, async () => {
    // Generous: only the hanging route may time out, never /auth on a loaded machine.
    const h = await harness({ timeoutMs: 2_000, maxAttempts: 2 });
    const connectToken = fakeApiKey(500, 1800);
    const echo = (req: RecordedRequest) =>
      `key ${h.keyOf(req)} secret ${CLIENT_SECRET} token ${connectToken} raw-key ${h.issued[0]?.split('.')[1]}`;
    // A misbehaving upstream that echoes what it was sent, in every field a PluggyError keeps.
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', (req) => ({
      status: 500,
      body: { code: 500, codeDescription: echo(req), message: echo(req), details: [{ message: echo(req) }] },
    }));
    h.server.on('POST /connect_token', { body: { token: connectToken, accessToken: 42 } });
    h.server.on('GET /accounts/a2a2a2a2-0000-4000-8000-0000000000a2', { hang: true });
    h.server.on(`GET /items/${ITEM_ID}`, {
      status: 401,
      body: { code: 401, message: `bad ${CLIENT_SECRET}` },
    });

    const errors = [
      await caught(h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1')),
      await caught(h.client.createConnectToken({ clientUserId: 'u' })),
      await caught(h.client.getAccount('a2a2a2a2-0000-4000-8000-0000000000a2')),
      await caught(h.client.getItem(ITEM_ID)),
    ];
    h.server.on('POST /auth', { status: 401, body: { code: 401, message: `keys ${CLIENT_SECRET} invalid` } });
    const fresh = createPluggyClient({
      baseUrl: h.server.url,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    });
    errors.push(await caught(fresh.getConnectors()));

    expect(errors.map((e) => e.code)).toEqual([
      'unavailable',
      'contract-mismatch',
      'unavailable',
      'auth',
      'auth',
    ]);
    expect(h.issued.length).toBeGreaterThan(1);
    const forbidden = [CLIENT_SECRET, connectToken, ...h.issued, ...h.issued.map((k) => k.split('.')[1]!)];
    const rendered = errors.flatMap((e) => [
      JSON.stringify(e),
      inspect(e, { depth: null }),
      e.message,
      String(e.stack),
    ]);
    for (const text of [...rendered, ...h.logLines]) {
      for (const secret of forbidden) expect(text).not.toContain(secret);
    }
    // The errors still say what happened.
    expect(errors[0]?.pluggyMessage).toContain('[redacted]');
    expect(errors[1]?.message).toContain('accessToken');
  });

  it('keeps what a request sent (bank credentials, MFA codes, webhook headers and URLs) out of errors', async () => {
    const h = await harness();
    const password = 'hunter2-bank-pw';
    const mfaCode = '4821';
    const headerSecret = 'wh-shared-secret-9d1f';
    const hookUrl = 'https://hooks.example.com/pluggy?token=url-token-77';
    const urlToken = 'url-token-77';
    // A 400 that quotes back everything it was sent, the way Pluggy interpolates values
    // (docs/pluggy.md#error-bodies).
    const echo = (req: RecordedRequest) => {
      const sent = JSON.stringify(req.body);
      return {
        status: 400,
        body: {
          code: 400,
          codeDescription: 'CONNECTOR_VALIDATION_ERROR',
          message: `rejected ${sent} for region SP`,
          details: [{ code: '001', parameter: 'password', message: `bad value in ${sent}` }],
        },
      };
    };
    h.server.on('POST /items', echo);
    h.server.on(`PATCH /items/${ITEM_ID}`, echo);
    h.server.on(`POST /items/${ITEM_ID}/mfa`, echo);
    h.server.on('POST /connect_token', echo);
    h.server.on('POST /webhooks', echo);
    h.server.on('PATCH /webhooks/e1e1e1e1-0000-4000-8000-0000000000e1', echo);

    const errors = [
      await caught(
        h.client.createItem({
          connectorId: 2,
          parameters: { user: 'jdoe-login', password, region: 'SP' },
          webhookUrl: hookUrl,
        }),
      ),
      await caught(h.client.updateItem(ITEM_ID, { parameters: { password }, webhookUrl: hookUrl })),
      await caught(h.client.sendItemMfa(ITEM_ID, { token: mfaCode })),
      await caught(h.client.createConnectToken({ webhookUrl: hookUrl })),
      await caught(
        h.client.createWebhook({
          event: 'item/updated',
          url: hookUrl,
          headers: { authorization: headerSecret },
        }),
      ),
      await caught(
        h.client.updateWebhook('e1e1e1e1-0000-4000-8000-0000000000e1', {
          headers: { authorization: headerSecret },
          url: hookUrl,
        }),
      ),
    ];

    expect(errors.map((e) => e.code)).toEqual(Array(6).fill('invalid-request'));
    const forbidden = [password, mfaCode, headerSecret, hookUrl, urlToken, 'jdoe-login'];
    for (const e of errors) {
      const rendered = [e.message, JSON.stringify(e), inspect(e, { depth: null }), String(e.stack)];
      for (const text of rendered) for (const secret of forbidden) expect(text).not.toContain(secret);
      // Still useful: Pluggy's code and the redaction marker are there.
      expect(e.pluggyCode).toBe('CONNECTOR_VALIDATION_ERROR');
      expect(e.pluggyMessage).toContain('[redacted]');
    }
    // Values shorter than 4 characters are not blanked (they would shred ordinary words).
    expect(errors[0]?.pluggyMessage).toContain('region SP');
  });

  it('logs one debug line per attempt with method, path, status, duration and attempt number', async () => {
    const h = await harness();
    h.server.queue('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      status: 503,
      body: { code: 503 },
    });
    h.server.on('GET /accounts/a1a1a1a1-0000-4000-8000-0000000000a1', {
      body: accountPayload({ id: 'a1a1a1a1-0000-4000-8000-0000000000a1' }),
    });

    await h.client.getAccount('a1a1a1a1-0000-4000-8000-0000000000a1');

    const lines = h.logLines
      .map((l) => JSON.parse(l))
      .filter((l) => l.path === '/accounts/a1a1a1a1-0000-4000-8000-0000000000a1');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 20, method: 'GET', status: 503, attempt: 1 });
    expect(lines[1]).toMatchObject({ method: 'GET', status: 200, attempt: 2 });
    expect(typeof lines[1].ms).toBe('number');
  });
});
