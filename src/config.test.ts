import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SANDBOX_CLIENT_ID } from './config.ts';

describe('loadConfig', () => {
  it('runs in local mode against the sandbox when nothing is configured', () => {
    const c = loadConfig({});
    expect(c.mode).toBe('local');
    expect(c.port).toBe(3000);
    expect(c.publicBaseUrl).toBe('http://localhost:3000');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.pluggy.baseUrl).toBeUndefined();
    expect(c.pluggy.clientId).toBe(SANDBOX_CLIENT_ID);
    expect(c.apiTokens).toHaveLength(1);
  });

  it('requires every secret in live mode and names each missing variable', () => {
    try {
      loadConfig({ PLUGGY_CLIENT_ID: 'id', PLUGGY_CLIENT_SECRET: 'secret' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      for (const v of ['WEBHOOK_SECRET', 'API_TOKENS', 'LINK_SIGNING_SECRET']) expect(msg).toContain(v);
      expect(msg).not.toContain('secret\n');
    }
  });

  it('accepts a complete live configuration and defaults to Pluggy', () => {
    const c = loadConfig({
      PLUGGY_CLIENT_ID: 'id',
      PLUGGY_CLIENT_SECRET: 'secret',
      WEBHOOK_SECRET: 'w'.repeat(32),
      API_TOKENS: `${'a'.repeat(32)}, ${'b'.repeat(32)}`,
      LINK_SIGNING_SECRET: 'l'.repeat(32),
      PORT: '8080',
    });
    expect(c.mode).toBe('live');
    expect(c.pluggy.baseUrl).toBe('https://api.pluggy.ai');
    expect(c.apiTokens).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
    expect(c.port).toBe(8080);
  });

  it('rejects malformed values with the variable name', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ PLUGGY_BASE_URL: 'not a url' })).toThrow(/PLUGGY_BASE_URL/);
    expect(() => loadConfig({ PLUGGY_CLIENT_ID: 'only-id' })).toThrow(/set together/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).databaseUrl).toBeUndefined();
  });

  it('reads an optional previous webhook secret for rotation, held to the same length rule', () => {
    expect(loadConfig({}).previousWebhookSecret).toBeUndefined();
    expect(loadConfig({ WEBHOOK_SECRET_PREVIOUS: '' }).previousWebhookSecret).toBeUndefined();
    const c = loadConfig({ WEBHOOK_SECRET: 'n'.repeat(20), WEBHOOK_SECRET_PREVIOUS: 'o'.repeat(20) });
    expect(c.webhookSecret).toBe('n'.repeat(20));
    expect(c.previousWebhookSecret).toBe('o'.repeat(20));
    expect(() => loadConfig({ WEBHOOK_SECRET_PREVIOUS: 'short' })).toThrow(/WEBHOOK_SECRET_PREVIOUS/);
  });

  it('listens on loopback only in local mode unless HOST says otherwise; on every interface live', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    const live = loadConfig({
      PLUGGY_CLIENT_ID: 'id',
      PLUGGY_CLIENT_SECRET: 'secret',
      WEBHOOK_SECRET: 'w'.repeat(32),
      API_TOKENS: 'a'.repeat(32),
      LINK_SIGNING_SECRET: 'l'.repeat(32),
    });
    expect(live.host).toBe('0.0.0.0');
  });

  it('reads the HTTP limits and refuses a headers timeout longer than the request timeout', () => {
    expect(loadConfig({}).http).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      connectionTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1000,
    });
    expect(
      loadConfig({ HTTP_MAX_CONNECTIONS: '50', HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000' }).http,
    ).toMatchObject({
      maxConnections: 50,
      keepAliveTimeoutMs: 65_000,
    });
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
    expect(() => loadConfig({ HTTP_MAX_CONNECTIONS: '0' })).toThrow(/HTTP_MAX_CONNECTIONS/);
  });

  it('reads the role, the worker port and a granted Pluggy rate limit', () => {
    const d = loadConfig({});
    expect(d.role).toBe('all');
    expect(d.workerPort).toBe(3001);
    expect(d.pluggy.rateLimitPerMinute).toBeUndefined();
    const w = loadConfig({ ROLE: 'worker', WORKER_PORT: '4001', PLUGGY_RATE_LIMIT_PER_MINUTE: '720' });
    expect(w).toMatchObject({ role: 'worker', workerPort: 4001, pluggy: { rateLimitPerMinute: 720 } });
    expect(() => loadConfig({ ROLE: 'both' })).toThrow(/ROLE/);
    expect(() => loadConfig({ PLUGGY_RATE_LIMIT_PER_MINUTE: '5' })).toThrow(/PLUGGY_RATE_LIMIT_PER_MINUTE/);
  });
});
