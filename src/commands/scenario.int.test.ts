import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { parseDuration, run } from './scenario.ts';

describe('scenario command drives a running sandbox', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, stepDelayMs: 1 });
  });
  afterAll(() => sandbox?.close());
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = 0;
  });

  /** Runs the command and returns what it printed on stdout, parsed. */
  async function scenario(...argv: string[]): Promise<unknown> {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    await run([...argv, '--sandbox', sandbox.url]);
    vi.restoreAllMocks();
    return out ? JSON.parse(out) : undefined;
  }

  it('creates an item, adds rows, posts pending, restates a bill, moves the clock', async () => {
    const item = (await scenario('create-item', '--client-user-id', 'u-1')) as { id: string };
    expect(item.id).toMatch(/^[0-9a-f-]{36}$/);
    const listed = (await scenario('items')) as Array<{ id: string; clientUserId: string }>;
    expect(listed).toContainEqual(expect.objectContaining({ id: item.id, clientUserId: 'u-1' }));

    const before = Object.values(sandbox.admin.truth(item.id).transactionsByAccount).flat().length;
    const added = (await scenario(
      'new-transactions',
      item.id,
      '--count',
      '7',
      '--backdated-days',
      '10',
    )) as unknown[];
    expect(added).toHaveLength(7);
    expect(Object.values(sandbox.admin.truth(item.id).transactionsByAccount).flat()).toHaveLength(before + 7);

    const posted = (await scenario('post-pending', item.id)) as { ids: string[] };
    expect(posted.ids.length).toBeGreaterThan(0);
    const restated = (await scenario('restate-bill', item.id)) as { deleted: string[]; created: string[] };
    expect(restated.deleted.length).toBeGreaterThan(0);
    expect(restated.created.length).toBe(restated.deleted.length);

    const t0 = sandbox.admin.now().getTime();
    await scenario('advance-clock', '2h');
    expect(sandbox.admin.now().getTime() - t0).toBeGreaterThanOrEqual(2 * 3_600_000);
  });

  it('summarises an item, asks for and answers a user action, switches refresh limits', async () => {
    const item = (await scenario('create-item')) as { id: string };
    const summary = (await scenario('summary', item.id)) as {
      itemId: string;
      totals: { transactions: number };
    };
    expect(summary.itemId).toBe(item.id);
    expect(summary).toEqual(sandbox.admin.truthSummary(item.id));
    expect(summary.totals.transactions).toBeGreaterThan(0);

    await scenario('require-user-action', item.id);
    const key = (
      await (
        await fetch(`${sandbox.url}/auth`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(sandbox.credentials),
        })
      ).json()
    ).apiKey as string;
    await fetch(`${sandbox.url}/items/${item.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: '{}',
    });
    await sandbox.admin.waitForItemStatus(item.id, 'WAITING_USER_ACTION');
    await scenario('user-action', item.id, 'approve');
    await sandbox.admin.waitForItemStatus(item.id, 'UPDATED');

    await scenario('refresh-limits', '--patches-per-minute', '20', '--min-update-interval-hours', '24');
    const early = await fetch(`${sandbox.url}/items/${item.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: '{}',
    });
    expect(early.status).toBe(409);
    expect(early.headers.get('ratelimit-limit')).toBe('20');
    await scenario('refresh-limits');
  });

  it('injects a fault that the Pluggy API then answers with, and clears it', async () => {
    await scenario('fault', '--path', '/categories', '--status', '503', '--times', '1');
    expect((await fetch(`${sandbox.url}/categories`)).status).toBe(503);
    await scenario('fault', '--path', '/categories', '--retry-after', '7', '--times', '1');
    const limited = await fetch(`${sandbox.url}/categories`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    await scenario('fault', '--path', '/categories', '--status', '500');
    await scenario('clear-faults');
    // No fault left: the request reaches auth, which refuses a missing API key as Pluggy does.
    expect((await fetch(`${sandbox.url}/categories`)).status).toBe(403);
  });

  it('explains bad input and an unreachable sandbox with exit code 2', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await run(['new-transactions']);
    expect(process.exitCode).toBe(2);
    expect(String(err.mock.calls.at(-1)?.[0])).toContain('missing itemId');
    process.exitCode = 0;
    await run(['items', '--sandbox', 'http://127.0.0.1:1']);
    expect(process.exitCode).toBe(2);
    expect(String(err.mock.calls.at(-1)?.[0])).toContain('no sandbox answers');
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect(parseDuration('90m')).toBe(5_400_000);
  });

  it('refuses non-numeric flags instead of sending a NaN (a fault rule that would never fire)', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    for (const [flag, value] of [
      ['--rate', 'often'],
      ['--times', 'twice'],
      ['--status', 'five-oh-three'],
      ['--latency', '1s'],
      ['--retry-after', 'soon'],
    ] as const) {
      process.exitCode = 0;
      await run(['fault', '--path', '/categories', flag, value, '--sandbox', sandbox.url]);
      expect(process.exitCode).toBe(2);
      expect(String(err.mock.calls.at(-1)?.[0])).toContain(
        `fault: ${flag} must be a number (got "${value}")`,
      );
    }
    process.exitCode = 0;
    await run(['new-transactions', 'some-item', '--count', 'x', '--sandbox', sandbox.url]);
    expect(process.exitCode).toBe(2);
    expect(String(err.mock.calls.at(-1)?.[0])).toContain('--count must be a number');
    // No rule reached the sandbox.
    expect(await fetch(`${sandbox.url}/__sandbox/faults`).then((r) => r.json())).toEqual([]);
  });

  it('says so when the URL answers 200 with something that is not a sandbox', async () => {
    const other = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>some other service</html>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      await run(['items', '--sandbox', url]);
      expect(process.exitCode).toBe(2);
      expect(String(err.mock.calls.at(-1)?.[0])).toContain(
        `${url} is not a Pluggy sandbox (no /__sandbox admin API)`,
      );
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
