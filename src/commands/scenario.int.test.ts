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
});
