import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type App, startApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing.ts';
import { createLogger } from '../../log.ts';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';

/**
 * Recurring charges, alerts and charts over real HTTP, against the service as `npm start` wires it,
 * talking to a sandbox whose world has subscriptions (PLUGGY_BASE_URL), the person connected through
 * a connect link and synced by the service's own jobs.
 */
const TOKEN = 'test-api-token-insights-0123456789';
const PHONE = '11 93333-4444';
let t: TestDatabase;
let sb: Sandbox;
let app: App;
let itemId: string;

// biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary JSON answers
type Json = Record<string, any>;
async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(`${app.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  });
  const buf = Buffer.from(await res.arrayBuffer());
  let json: Json = {};
  try {
    json = JSON.parse(buf.toString('utf8')) as Json;
  } catch {}
  return { status: res.status, json, buf, text: buf.toString('utf8'), headers: res.headers };
}
const user = (path: string) => `/v1/users/${encodeURIComponent(PHONE)}${path}`;

function pngSize(png: Buffer) {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
const roles = (svg: string, role: string) =>
  [...svg.matchAll(new RegExp(`data-role="${role}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);
const unescapeXml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

beforeAll(async () => {
  t = await createTestDatabase();
  sb = await startSandbox({ port: 0, stepDelayMs: 5, size: { subscriptions: true } });
  app = await startApp(
    loadConfig({
      DATABASE_URL: t.url,
      PORT: '0',
      PLUGGY_BASE_URL: sb.url,
      API_TOKENS: TOKEN,
      LOG_LEVEL: 'silent',
    }),
    createLogger('silent'),
  );
  await call('/v1/users', { method: 'POST', body: JSON.stringify({ phone: PHONE }) });
  const link = await call(user('/connect-links'), { method: 'POST', body: '{}' });
  const session = (await fetch(`${app.url}/v1/connect/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link: link.json.url }),
  }).then((r) => r.json())) as Json;
  const created = (await fetch(`${sb.url}/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': session.connectToken },
    body: JSON.stringify({ connectorId: 0, parameters: { user: 'user-ok', password: 'password-ok' } }),
  }).then((r) => r.json())) as Json;
  itemId = created.id;
  await sb.admin.waitForItemStatus(itemId, 'UPDATED', 60_000);
  const reported = await fetch(`${app.url}/v1/connect/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link: link.json.url, itemId }),
  });
  expect(reported.status).toBeLessThan(300);
  const expected = Object.values(sb.admin.truth(itemId).transactionsByAccount).reduce(
    (n, r) => n + r.length,
    0,
  );
  await vi.waitFor(
    async () => {
      const r = await t.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM transactions WHERE item_id = $1',
        [itemId],
      );
      if (r.rows[0]!.n !== expected) throw new Error('not synced yet');
      const done = await t.pool.query('SELECT 1 FROM items WHERE id = $1 AND last_synced_at IS NOT NULL', [
        itemId,
      ]);
      if (done.rowCount !== 1) throw new Error('sync not finished yet');
    },
    { timeout: 120_000, interval: 300 },
  );
}, 180_000);
afterAll(async () => {
  await app?.stop();
  await sb?.close();
  await t?.drop();
});

describe('insights over HTTP', () => {
  it('GET /recurring: the subscriptions with their brand names, the stopped one apart', async () => {
    const r = await call(user('/recurring'));
    expect(r.status).toBe(200);
    expect(r.json.active.map((s: Json) => s.name).sort()).toEqual(
      ['Anuidade Cartão', 'Bluefit', 'Claro', 'Disney+', 'Feira Orgânica'].sort(),
    );
    expect(r.json.stopped.map((s: Json) => s.name)).toEqual(['Deezer']);
    expect(r.json.monthlyTotal).toMatch(/^\d+\.\d{2}$/);
    expect(r.json.asOf).not.toBeNull();
  });

  it('GET /alerts: the price increase once as new, then seen', async () => {
    const first = await call(user('/alerts'));
    expect(first.status).toBe(200);
    const raised = first.json.alerts.filter((a: Json) => a.kind === 'price-increase');
    expect(raised).toEqual([
      expect.objectContaining({ isNew: true, reason: expect.stringContaining('Claro subiu') }),
    ]);
    const again = await call(user('/alerts'));
    expect(again.json.alerts.map((a: Json) => a.id)).toEqual(first.json.alerts.map((a: Json) => a.id));
    expect(again.json.alerts.filter((a: Json) => a.isNew)).toEqual([]);
  });

  it("spending chart: labels and amounts are the summary's, PNG of the stated size", async () => {
    const now = sb.admin.now();
    const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
      .toISOString()
      .slice(0, 7);
    const summary = await call(user(`/summary?month=${month}`));
    expect(summary.status).toBe(200);
    const svg = await call(user(`/charts/spending.svg?month=${month}`));
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toContain('image/svg+xml');
    const positive = summary.json.categories.filter(
      (c: Json) => !c.amount.startsWith('-') && c.amount !== '0.00',
    );
    const drawn = [...svg.text.matchAll(/data-category="([^"]+)" data-amount="([^"]+)"/g)].map((m) => [
      m[1],
      m[2],
    ]);
    const firstEight = [...positive]
      .sort((a: Json, b: Json) => Number(b.amount) - Number(a.amount))
      .slice(0, 8)
      .map((c: Json) => [c.categoryId, c.amount]);
    expect(drawn.slice(0, 8)).toEqual(firstEight);
    const names = new Map(summary.json.categories.map((c: Json) => [c.categoryId, c.name]));
    roles(svg.text, 'label')
      .slice(0, firstEight.length)
      .forEach((label, i) => {
        const full = names.get(firstEight[i]![0]) as string;
        const shown = unescapeXml(label!);
        expect(full.startsWith(shown.replace(/…$/, ''))).toBe(true);
      });
    expect(roles(svg.text, 'total')[0]!.replace(/\./g, '')).toBe(
      `Total: R$ ${summary.json.spending.replace('.', ',')}`,
    );

    const png = await call(user(`/charts/spending.png?month=${month}`));
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(pngSize(png.buf)).toEqual({ width: 1080, height: 1350 });
  });

  it('cash-flow chart: one group per month with the cash-flow figures; PNG 1080×1080', async () => {
    const flow = await call(user('/cash-flow?months=6'));
    const svg = await call(user('/charts/cash-flow.svg?months=6'));
    const groups = [
      ...svg.text.matchAll(/data-month="([^"]+)" data-income="([^"]+)" data-spending="([^"]+)"/g),
    ].map((m) => ({ month: m[1], income: m[2], spending: m[3] }));
    expect(groups).toEqual(
      flow.json.months.map((m: Json) => ({ month: m.month, income: m.income, spending: m.spending })),
    );
    const png = await call(user('/charts/cash-flow.png?months=6'));
    expect(pngSize(png.buf)).toEqual({ width: 1080, height: 1080 });
  });

  it('a bad month or months answers 400 problem+json, an unknown person 404', async () => {
    const bad = await call(user('/charts/spending.png?month=2026-13'));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect((await call(user('/charts/cash-flow.svg?months=0'))).status).toBe(400);
    expect((await call('/v1/users/%2B5511900000000/recurring')).status).toBe(404);
  });
});
