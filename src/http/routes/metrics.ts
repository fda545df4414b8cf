import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { itemSyncLagSeconds } from '../../db/queries/items.ts';
import { pluggyCallsSince } from '../../db/queries/rateBudget.ts';
import { recentRunStats } from '../../db/queries/syncRuns.ts';
import { countEventsByTypeAndOutcome } from '../../db/queries/webhookEvents.ts';
import { type Boss, QUEUES } from '../../sync/jobs.ts';

/**
 * Prometheus metrics. Request latency is observed here; everything else is read from the database
 * and the queue at scrape time, so no other module has to know about metrics.
 */
export function installMetrics(root: FastifyInstance, deps: { pool: pg.Pool; boss: Boss }): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pluggy_bridge_' });
  const latency = new Histogram({
    name: 'pluggy_bridge_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  root.addHook('onResponse', async (req, reply) => {
    latency.observe(
      { route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  new Gauge({
    name: 'pluggy_bridge_webhook_events',
    help: 'Stored webhook deliveries by event type and outcome',
    labelNames: ['event', 'outcome'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await countEventsByTypeAndOutcome(deps.pool))
        this.set({ event: r.event, outcome: r.outcome }, r.n);
    },
  });
  new Gauge({
    name: 'pluggy_bridge_queue_depth',
    help: 'Jobs waiting per queue',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      for (const q of Object.values(QUEUES)) this.set({ queue: q }, await deps.boss.getQueueSize(q));
    },
  });
  new Gauge({
    name: 'pluggy_bridge_sync_runs_last_day',
    help: 'Sync runs finished in the last 24 h by kind and status',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await recentRunStats(deps.pool)) this.set({ kind: r.kind, status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'pluggy_bridge_sync_run_seconds_last_day',
    help: 'Summed duration of the sync runs finished in the last 24 h by kind and status',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await recentRunStats(deps.pool))
        this.set({ kind: r.kind, status: r.status }, r.seconds);
    },
  });
  new Gauge({
    name: 'pluggy_bridge_item_sync_lag_seconds',
    help: "Seconds since each live item's last successful sync",
    labelNames: ['item'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await itemSyncLagSeconds(deps.pool)) this.set({ item: r.id }, r.lag);
    },
  });
  new Gauge({
    name: 'pluggy_bridge_pluggy_requests_last_hour',
    help:
      'Requests sent to Pluggy in the last hour by endpoint, over every process sharing the database, ' +
      'and how many Pluggy answered 429 (counted by the shared rate budget; other statuses are not recorded)',
    labelNames: ['endpoint', 'result'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of (await pluggyCallsSince(deps.pool, 1)).byScope) {
        this.set({ endpoint: r.scope, result: 'sent' }, r.calls);
        this.set({ endpoint: r.scope, result: '429' }, r.rateLimited);
      }
    },
  });
  root.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
