import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cashFlowChartSvg } from '../../charts/cashFlowChart.ts';
import { svgToPng } from '../../charts/png.ts';
import { spendingChartSvg } from '../../charts/spendingChart.ts';
import type { Db } from '../../db/pool.ts';
import type { PluggyClient } from '../../pluggy/index.ts';
import { cashFlow } from '../../reads/answers/cashFlow.ts';
import { LangSchema, MonthSchema } from '../../reads/answers/common.ts';
import { monthlySummary } from '../../reads/answers/summary.ts';
import type { ConnectDeps } from '../../reads/connect.ts';
import { personAlerts } from '../../reads/insights/alerts.ts';
import { recurringCharges, todayInSaoPaulo } from '../../reads/insights/recurring.ts';
import { findPerson } from '../../reads/people.ts';

export type InsightRouteDeps = {
  pool: Db;
  pluggy: Pick<PluggyClient, 'getMerchants' | 'getConsents'>;
  connect: ConnectDeps;
};

const Phone = z.object({ phone: z.string().max(40).describe('any usual writing; normalised to E.164') });
const tags = ['insights'];
const Fresh = { asOf: z.string().nullable(), nextSyncAt: z.string().nullable() };

const SeriesSchema = z.object({
  key: z.string(),
  name: z.string(),
  categoryId: z.string().nullable(),
  cadence: z.enum(['weekly', 'monthly', 'yearly']),
  amount: z.string(),
  monthlyAmount: z.string(),
  firstDay: z.string(),
  lastDay: z.string(),
  nextExpectedDay: z.string(),
  occurrences: z.number(),
  status: z.enum(['active', 'stopped']),
  priceChanges: z.array(z.object({ day: z.string(), from: z.string(), to: z.string() })),
  chargeIds: z.array(z.string()),
});
const RecurringSchema = z.object({
  ...Fresh,
  today: z.string(),
  monthlyTotal: z.string().describe('what the active series cost per month, decimal string'),
  active: z.array(SeriesSchema),
  stopped: z.array(SeriesSchema),
});
const AlertSchema = z.object({
  id: z.string().describe('stable: the same fact keeps its id'),
  kind: z.enum([
    'consent-expiring',
    'consent-revoked',
    'reconnect-needed',
    'connector-unstable',
    'bill-mismatch',
    'new-subscription',
    'price-increase',
    'unusual-charge',
    'bill-due',
  ]),
  severity: z.enum(['info', 'warning', 'critical']),
  reason: z.string().describe('one sentence in Portuguese'),
  link: z.object({ url: z.string(), expiresAt: z.string() }).nullable(),
  itemId: z.string().nullable(),
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  firstShownAt: z.string(),
  isNew: z.boolean().describe('true only on the first answer that showed it'),
});
const AlertsSchema = z.object({ ...Fresh, today: z.string(), alerts: z.array(AlertSchema) });

const FORMATS = [
  { ext: 'png', type: 'image/png' },
  { ext: 'svg', type: 'image/svg+xml; charset=utf-8' },
] as const;

/** Recurring charges, alerts and charts: /v1/users/{phone}/…, thin over src/reads/insights and src/charts. */
export const insightRoutes =
  (deps: InsightRouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { pool } = deps;

    app.get(
      '/v1/users/:phone/recurring',
      {
        schema: {
          tags,
          summary:
            'Subscriptions and other recurring charges: cadence, next date, monthly total, price changes, stopped ones',
          params: Phone,
          response: { 200: RecurringSchema },
        },
      },
      async (req) => {
        const u = await findPerson(pool, req.params.phone);
        return recurringCharges({ pool, pluggy: deps.pluggy }, u.id);
      },
    );

    app.get(
      '/v1/users/:phone/alerts',
      {
        schema: {
          tags,
          summary: 'What to tell the person unasked, each with a reason in Portuguese; new once, then seen',
          params: Phone,
          response: { 200: AlertsSchema },
        },
      },
      async (req) => {
        const u = await findPerson(pool, req.params.phone);
        return personAlerts({ pool, pluggy: deps.pluggy, connect: deps.connect }, u.id);
      },
    );

    for (const f of FORMATS) {
      app.get(
        `/v1/users/:phone/charts/spending.${f.ext}`,
        {
          schema: {
            tags,
            summary: `Spending by category for a month, as ${f.ext.toUpperCase()} (1080×1350, for WhatsApp)`,
            params: Phone,
            querystring: z.object({ month: MonthSchema.optional(), lang: LangSchema }),
          },
        },
        async (req, reply) => {
          const u = await findPerson(pool, req.params.phone);
          const month = req.query.month ?? todayInSaoPaulo().slice(0, 7);
          const s = await monthlySummary(pool, u.id, { month, lang: req.query.lang });
          const svg = spendingChartSvg({
            month,
            lang: req.query.lang,
            total: s.spending,
            categories: s.categories,
          });
          return sendChart(reply, f, svg, s.asOf);
        },
      );
      app.get(
        `/v1/users/:phone/charts/cash-flow.${f.ext}`,
        {
          schema: {
            tags,
            summary: `Income and spending per month, as ${f.ext.toUpperCase()} (1080×1080)`,
            params: Phone,
            querystring: z.object({
              months: z.coerce.number().int().min(1).max(24).default(12),
              lang: LangSchema,
            }),
          },
        },
        async (req, reply) => {
          const u = await findPerson(pool, req.params.phone);
          const flow = await cashFlow(pool, u.id, { months: req.query.months, lang: req.query.lang });
          const svg = cashFlowChartSvg({ lang: req.query.lang, months: flow.months, totals: flow.totals });
          return sendChart(reply, f, svg, flow.asOf);
        },
      );
    }
  };

function sendChart(
  reply: import('fastify').FastifyReply,
  f: (typeof FORMATS)[number],
  svg: string,
  asOf: string | null,
) {
  reply.header('content-type', f.type);
  reply.header('cache-control', 'private, max-age=60');
  if (asOf) reply.header('x-data-as-of', asOf);
  // A Buffer/string bypasses the JSON serializer; `as never` tells the type provider so.
  return reply.send((f.ext === 'png' ? svgToPng(svg) : svg) as never);
}
