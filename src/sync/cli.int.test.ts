import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSyncedItem,
  type Harness,
  startHarness,
  storedSnapshot,
  truthSnapshot,
} from './testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ v2PageSize: 100 });
});
afterAll(async () => {
  await h?.close();
});

/** Runs `npm run cli -- <args>` as a person would, stdout piped (not a terminal). */
function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('sync and backfill commands', () => {
  it('`sync <itemId>` syncs the item in the foreground and prints plain progress lines when not on a terminal', async () => {
    const itemId = await createSyncedItem(h);
    const res = await cli(['sync', itemId], { DATABASE_URL: h.db.url, PLUGGY_BASE_URL: h.sandbox.url });
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    const lines = res.out.trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.slice(0, -1).every((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z \d+\/\d+ /.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^item ${itemId}: synced \\(UPDATED\\) in [\\d.]+s — \\d+ inserted`),
    );
    expect(res.out).not.toMatch(/\r/);
    expect(await storedSnapshot(h.db, itemId)).toEqual(truthSnapshot(h.sandbox, itemId));
  });

  it('`backfill --all` syncs every item we hold', async () => {
    const second = await createSyncedItem(h);
    await h.db.pool.query('INSERT INTO items (id) VALUES ($1)', [second]);
    const res = await cli(['backfill', '--all'], { DATABASE_URL: h.db.url, PLUGGY_BASE_URL: h.sandbox.url });
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/\n2 of 2 items synced\n$/);
    expect(await storedSnapshot(h.db, second)).toEqual(truthSnapshot(h.sandbox, second));
  });

  it('in local mode it finds the running sandbox on SANDBOX_PORT by itself', async () => {
    const itemId = await createSyncedItem(h);
    const res = await cli(['sync', itemId], {
      DATABASE_URL: h.db.url,
      SANDBOX_PORT: new URL(h.sandbox.url).port,
    });
    expect(res.code).toBe(0);
    expect(await storedSnapshot(h.db, itemId)).toEqual(truthSnapshot(h.sandbox, itemId));
  });

  it('in local mode with no sandbox answering it says how to reach one instead of failing obscurely', async () => {
    // Port 1: nothing listens there, whatever else runs on this machine.
    const res = await cli(['sync', '00000000-0000-4000-8000-0000000000aa'], {
      DATABASE_URL: h.db.url,
      SANDBOX_PORT: '1',
    });
    expect(res.code).toBe(2);
    expect(res.err).toContain('PLUGGY_BASE_URL=');
    expect(res.err).toContain('npm run cli -- sandbox');
  });
});
