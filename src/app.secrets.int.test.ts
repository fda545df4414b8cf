import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import { createTestDatabase, type TestDatabase } from './db/testing.ts';
import { createLogger, secretsOf } from './log.ts';

/**
 * Issue 13 drill: the offline flow at LOG_LEVEL=trace, with every secret set to a value that cannot
 * appear by chance, and the whole log searched for each of them.
 */
const SECRETS = {
  WEBHOOK_SECRET: 'drill-webhook-secret-7f3a9c2e',
  WEBHOOK_SECRET_PREVIOUS: 'drill-previous-webhook-secret-4b8d1e6f',
  API_TOKEN: 'drill-api-token-0123456789abcdef',
  LINK_SIGNING_SECRET: 'drill-link-signing-secret-9e2c5a7b',
  DB_PASSWORD: 'drill-db-password-5d7f3b1a',
};
/** Every Pluggy API key and connect token the sandbox issues is an HS256 JWT with this header. */
const JWT_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

describe('secrets never reach the log (LOG_LEVEL=trace, offline flow)', () => {
  let t: TestDatabase;
  let app: App;
  let config: Config;
  let log = '';
  const issued: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    // The password as a query parameter: a URL form a userinfo-only mask would miss. The test
    // server trusts local connections, so the password is carried but not checked.
    const db = new URL(t.url);
    db.searchParams.set('password', SECRETS.DB_PASSWORD);
    config = loadConfig({
      DATABASE_URL: db.toString(),
      PORT: '0',
      SANDBOX_PORT: '0',
      LOG_LEVEL: 'trace',
      WEBHOOK_SECRET: SECRETS.WEBHOOK_SECRET,
      WEBHOOK_SECRET_PREVIOUS: SECRETS.WEBHOOK_SECRET_PREVIOUS,
      API_TOKENS: SECRETS.API_TOKEN,
      LINK_SIGNING_SECRET: SECRETS.LINK_SIGNING_SECRET,
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    // As src/commands/start.ts builds it.
    app = await startApp(config, createLogger(config.logLevel, sink, secretsOf(config)));
  });
  afterAll(async () => {
    await app?.stop();
    await t?.drop();
  });

  it('runs the README walkthrough and a few hostile requests, then finds no secret in the log', async () => {
    const s = app.sandbox!.url;
    const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return {
        status: res.status,
        body: (await res.json().catch(() => undefined)) as Record<string, string>,
      };
    };
    const auth = await post(`${s}/auth`, {
      clientId: config.pluggy.clientId,
      clientSecret: config.pluggy.clientSecret,
    });
    const apiKey = auth.body.apiKey!;
    const token = await post(
      `${s}/connect_token`,
      { options: { clientUserId: 'drill-user' } },
      { 'x-api-key': apiKey },
    );
    const connectToken = token.body.accessToken!;
    const item = await post(
      `${s}/items`,
      { connectorId: 2, parameters: { user: 'user-ok', password: 'password-ok' } },
      { 'x-api-key': connectToken },
    );
    expect(item.status).toBeLessThan(300);
    issued.push(apiKey, connectToken);

    await expect
      .poll(
        async () =>
          (await t.pool.query('SELECT last_synced_at FROM items WHERE id = $1', [item.body.id])).rows[0]
            ?.last_synced_at ?? null,
        { timeout: 60_000, interval: 250 },
      )
      .not.toBeNull();

    // The secret in the path (accepted, wrong method, unknown sub-path), a wrong one, bearer tokens.
    const bearer = { authorization: `Bearer ${SECRETS.API_TOKEN}` };
    const event = { event: 'payment_intent/completed', eventId: randomUUID() };
    expect((await post(`${app.url}/webhooks/pluggy/${SECRETS.WEBHOOK_SECRET}`, event)).status).toBe(200);
    expect(
      (
        await post(`${app.url}/webhooks/pluggy/${SECRETS.WEBHOOK_SECRET_PREVIOUS}`, {
          ...event,
          eventId: randomUUID(),
        })
      ).status,
    ).toBe(200);
    // With the API's bearer token, so the request reaches the 404 handler (without it, 401 first).
    expect(
      (await fetch(`${app.url}/webhooks/pluggy/${SECRETS.WEBHOOK_SECRET}`, { headers: bearer })).status,
    ).toBe(404);
    expect(
      (await post(`${app.url}/webhooks/pluggy/${SECRETS.WEBHOOK_SECRET}/x?k=1`, event, bearer)).status,
    ).toBe(404);
    expect((await post(`${app.url}/webhooks/pluggy/${SECRETS.WEBHOOK_SECRET}`, '{', bearer)).status).toBe(
      400,
    );
    expect(
      (await post(`${app.url}/webhooks/pluggy`, event, { 'x-webhook-secret': SECRETS.WEBHOOK_SECRET }))
        .status,
    ).toBe(200);
    expect((await fetch(`${app.url}/health`, { headers: bearer })).status).toBe(200);
    expect((await fetch(`${app.url}/nowhere/${SECRETS.API_TOKEN}`, { headers: bearer })).status).toBe(404);

    await app.stop();
    // Debug lines (trace adds none today) really were written.
    expect(log).toContain('"msg":"pluggy request"');
    expect(log).toContain('database ready');
    const found = (value: string) => log.split(value).length - 1;
    for (const [name, value] of Object.entries(SECRETS)) {
      expect({ name, occurrences: found(value) }).toEqual({ name, occurrences: 0 });
    }
    for (const value of [config.pluggy.clientSecret, ...issued]) {
      expect({ value, occurrences: found(value) }).toEqual({ value, occurrences: 0 });
    }
    // Any API key or connect token, the service's own included (it never leaves the client).
    expect(found(JWT_HEADER)).toBe(0);
  });
});
