import type { Db } from '../db/pool.ts';
import { countItemsByStatus } from '../db/queries/items.ts';
import { pluggyCallsSince } from '../db/queries/rateBudget.ts';
import { runStatusSince } from '../db/queries/syncRuns.ts';
import { webhookBacklog } from '../db/queries/webhookEvents.ts';

/**
 * What the job queue tells about itself, through pg-boss's public API (the caller passes the
 * queue; reads does not import the job layer). `getQueueSize` counts the jobs before a state:
 * before 'active' = waiting (created or retry), before 'completed' = waiting + running.
 */
export type QueueReader = {
  getQueueSize(
    name: string,
    options?: { before: 'retry' | 'active' | 'completed' | 'cancelled' | 'failed' },
  ): Promise<number>;
};

export type ServiceStatus = {
  at: string;
  items: {
    total: number;
    needsReconnect: number;
    byStatus: Array<{ status: string; items: number; needsReconnect: number }>;
  };
  syncs: { running: number; failedLastDay: number; failedByKind: Array<{ kind: string; n: number }> };
  webhooks: {
    pending: number;
    failed: number;
    oldestPendingAt: string | null;
    oldestPendingSeconds: number | null;
  };
  queues: Array<{ queue: string; waiting: number; running: number }>;
  pluggy: {
    callsLastHour: number;
    rateLimitedLastHour: number;
    byScope: Array<{ scope: string; calls: number; rateLimited: number }>;
  };
};

/**
 * The operator's one place to look (`npm run cli -- status`, GET /v1/status). The oldest waiting
 * delivery is the oldest webhook event still pending: pg-boss 10's public API offers sizes but no
 * read of a queue's oldest job, and its tables are its own business.
 */
export async function serviceStatus(
  db: Db,
  queue: QueueReader,
  queueNames: readonly string[],
): Promise<ServiceStatus> {
  const [byStatus, runs, backlog, calls, queues] = await Promise.all([
    countItemsByStatus(db),
    runStatusSince(db, 24),
    webhookBacklog(db),
    pluggyCallsSince(db, 1),
    Promise.all(
      queueNames.map(async (name) => {
        const [waiting, notDone] = await Promise.all([
          queue.getQueueSize(name, { before: 'active' }),
          queue.getQueueSize(name, { before: 'completed' }),
        ]);
        return { queue: name, waiting, running: Math.max(0, notDone - waiting) };
      }),
    ),
  ]);
  const now = Date.now();
  return {
    at: new Date(now).toISOString(),
    items: {
      total: byStatus.reduce((n, r) => n + r.items, 0),
      needsReconnect: byStatus.reduce((n, r) => n + r.needsReconnect, 0),
      byStatus,
    },
    syncs: { running: runs.running, failedLastDay: runs.failed, failedByKind: runs.failedByKind },
    webhooks: {
      pending: backlog.pending,
      failed: backlog.failed,
      oldestPendingAt: backlog.oldestPendingAt?.toISOString() ?? null,
      oldestPendingSeconds: backlog.oldestPendingAt
        ? Math.max(0, Math.round((now - backlog.oldestPendingAt.getTime()) / 1000))
        : null,
    },
    queues,
    pluggy: { callsLastHour: calls.calls, rateLimitedLastHour: calls.rateLimited, byScope: calls.byScope },
  };
}

/** The status as the CLI prints it: a few aligned lines, nothing personal (ids and counts only). */
export function formatStatus(s: ServiceStatus): string {
  const out: string[] = [];
  const row = (label: string, value: string | number) => out.push(`  ${label.padEnd(26)} ${value}`);
  out.push(`status at ${s.at}`, '', 'items');
  row('live', s.items.total);
  row('needing reconnect', s.items.needsReconnect);
  for (const r of s.items.byStatus)
    row(`  ${r.status}`, `${r.items}${r.needsReconnect ? ` (${r.needsReconnect} need reconnect)` : ''}`);
  out.push('', 'syncs');
  row('running now', s.syncs.running);
  row('failed in the last day', s.syncs.failedLastDay);
  for (const r of s.syncs.failedByKind) row(`  ${r.kind}`, r.n);
  out.push('', 'webhook events');
  row('pending', s.webhooks.pending);
  row('failed', s.webhooks.failed);
  row(
    'oldest pending',
    s.webhooks.oldestPendingAt
      ? `${s.webhooks.oldestPendingAt} (${s.webhooks.oldestPendingSeconds} s ago)`
      : '—',
  );
  out.push('', 'job queues (waiting / running)');
  for (const q of s.queues) row(q.queue, `${q.waiting} / ${q.running}`);
  out.push('', 'Pluggy, last hour (every process)');
  row('requests', s.pluggy.callsLastHour);
  row('429 answers', s.pluggy.rateLimitedLastHour);
  for (const r of s.pluggy.byScope.slice(0, 8))
    row(`  ${r.scope}`, `${r.calls}${r.rateLimited ? ` (${r.rateLimited} × 429)` : ''}`);
  return `${out.join('\n')}\n`;
}
