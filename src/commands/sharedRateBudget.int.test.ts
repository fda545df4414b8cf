import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createLogger } from '../log.ts';
import { rateBudgetOf } from '../pluggy/rateGate.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { type Boss, enqueue, QUEUES, startBoss } from '../sync/jobs.ts';
import { converged, ensureBuilt, roleEnv, startRole, waitHealthy } from './testing/roles.ts';
import type { ServiceProcess } from './testing/serviceProcess.ts';

/**
 * Three worker processes (`node dist/cli.js start --role worker`) on one database share one Pluggy
 * rate budget through PostgreSQL: requests are counted at the sandbox, per endpoint, and must fit
 * the token bucket every process draws on, and Pluggy's per-minute limit in every window.
 */

describe('the Pluggy rate budget shared by three worker processes', () => {
  let db: TestDatabase;
  let sb: Sandbox;
  let boss: Boss | undefined;
  const procs: ServiceProcess[] = [];
  const LIMIT = 60; // per endpoint per minute, what PLUGGY_RATE_LIMIT_PER_MINUTE tells the workers

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
    sb = await startSandbox({ stepDelayMs: 5, v2PageSize: 20, size: { transactionsPerAccount: 200 } });
  }, 120_000);
  afterAll(async () => {
    await boss?.stop({ graceful: false, wait: true, timeout: 5_000 });
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await sb?.close();
    await db?.drop();
  }, 60_000);

  it('keeps the combined request rate per endpoint under the budget, counted at the sandbox', {
    timeout: 600_000,
  }, async () => {
    const base = roleEnv(db.url, sb.url, {
      PLUGGY_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      SHUTDOWN_TIMEOUT_SECONDS: '5',
    });
    const workers = [
      await startRole('worker', 'worker-1', base),
      await startRole('worker', 'worker-2', base),
      await startRole('worker', 'worker-3', base),
    ];
    procs.push(...workers);
    for (const p of workers) await waitHealthy(p, 'worker');

    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await sb.admin.createItemNow({})).id);
    boss = await startBoss(db.url, createLogger('silent'), { schedule: false, max: 2 });
    const since = Date.now();
    for (const id of ids) await enqueue(boss, QUEUES.itemSync, { itemId: id, reason: 'manual' });
    // 6 items × 3 accounts × 10 pages of GET /transactions, far more than 6 + 48 a minute.
    await converged(db, sb, ids, 480_000);

    const log = sb.admin
      .requests()
      .filter((r) => Date.parse(r.at) >= since - 1_000 && !r.path.startsWith('/auth'));
    const budget = (scope: string) => {
      const b = rateBudgetOf(scope);
      const k = LIMIT / 360;
      return {
        burst: Math.max(1, Math.floor(b.burst * k)),
        perMinute: Math.max(1, Math.floor(b.perMinute * k)),
      };
    };
    const scopeOf = (r: { method: string; path: string }) => {
      const parts = r.path.split('?')[0]!.split('/').filter(Boolean);
      if (parts[0] === 'v2') parts.shift();
      return `${r.method} /${parts[0]}${parts.length >= 3 ? `/${parts[2]}` : ''}`;
    };
    const byScope = new Map<string, number[]>();
    for (const r of log) byScope.set(scopeOf(r), [...(byScope.get(scopeOf(r)) ?? []), Date.parse(r.at)]);
    const tx = byScope.get('GET /transactions') ?? [];
    expect(tx.length).toBeGreaterThan(100); // the demand really exceeded the budget
    const report: string[] = [];
    for (const [scope, times] of byScope) {
      times.sort((a, b) => a - b);
      const { burst, perMinute } = budget(scope);
      // In any window of w seconds a token bucket lets through at most burst + perMinute × w / 60;
      // one extra for the edges of the sandbox's millisecond timestamps.
      let worst = 0;
      for (let i = 0; i < times.length; i++) {
        for (let j = i; j < times.length; j++) {
          const w = (times[j]! - times[i]!) / 1000;
          const allowed = burst + (perMinute * w) / 60 + 1;
          worst = Math.max(worst, (j - i + 1) / allowed);
        }
      }
      expect(worst, `${scope}: ${times.length} requests`).toBeLessThanOrEqual(1);
      const spanMin = Math.max(1 / 60, (times.at(-1)! - times[0]!) / 60_000);
      report.push(
        `${scope} ${times.length} req, ${(times.length / spanMin).toFixed(1)}/min (budget ${burst}+${perMinute}/min)`,
      );
      // And under Pluggy's limit in every 60 s window.
      for (let i = 0, j = 0; j < times.length; j++) {
        while (times[j]! - times[i]! >= 60_000) i++;
        expect(j - i + 1).toBeLessThanOrEqual(LIMIT);
      }
    }
    process.stdout.write(`rate budget, 3 workers: ${report.join('; ')}\n`);
  });
});
