import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type pg from 'pg';
import { balanceHistory } from '../../reads/answers/balances.ts';
import { upcomingBills } from '../../reads/answers/bills.ts';
import { cashFlow } from '../../reads/answers/cashFlow.ts';
import { LangSchema, MonthSchema, todayInSaoPaulo } from '../../reads/answers/common.ts';
import { correctCategory } from '../../reads/answers/corrections.ts';
import { exportOfx } from '../../reads/answers/ofx.ts';
import {
  BalanceHistorySchema,
  CashFlowSchema,
  CategoryCorrectionSchema,
  MonthSummarySchema,
  UpcomingBillsSchema,
} from '../../reads/answers/schemas.ts';
import { monthlySummary } from '../../reads/answers/summary.ts';
import { findPerson } from '../../reads/people.ts';

const Phone = z.object({ phone: z.string().max(40).describe('any usual writing; normalised to E.164') });
const tags = ['answers'];
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

/** /v1/users/{phone}/…: answers computed from the stored data (src/reads/answers), behind the bearer token. */
export const answerRoutes =
  (deps: { pool: pg.Pool }): FastifyPluginAsyncZod =>
  async (app) => {
    const { pool } = deps;

    app.get(
      '/v1/users/:phone/summary',
      {
        schema: {
          tags,
          summary:
            'The month in figures: income, spending by category, merchants, transfers, card bills, balances',
          params: Phone,
          querystring: z.object({ month: MonthSchema.optional(), lang: LangSchema }),
          response: { 200: MonthSummarySchema },
        },
      },
      async (req) => {
        const u = await findPerson(pool, req.params.phone);
        const month = req.query.month ?? todayInSaoPaulo().slice(0, 7);
        return monthlySummary(pool, u.id, { month, lang: req.query.lang });
      },
    );

    app.get(
      '/v1/users/:phone/cash-flow',
      {
        schema: {
          tags,
          summary: 'Income, spending and net per month (own transfers and card bill payments left out)',
          params: Phone,
          querystring: z.object({
            months: z.coerce.number().int().min(1).max(120).default(12),
            until: MonthSchema.optional(),
            lang: LangSchema,
          }),
          response: { 200: CashFlowSchema },
        },
      },
      async (req) => {
        const u = await findPerson(pool, req.params.phone);
        return cashFlow(pool, u.id, {
          months: req.query.months,
          lang: req.query.lang,
          until: req.query.until,
        });
      },
    );

    app.get(
      '/v1/users/:phone/bills/upcoming',
      {
        schema: {
          tags,
          summary: 'Card bills, loan installments and future card installments due in the next N days',
          params: Phone,
          querystring: z.object({ days: z.coerce.number().int().min(0).max(366).default(30) }),
          response: { 200: UpcomingBillsSchema },
        },
      },
      async (req) => {
        const u = await findPerson(pool, req.params.phone);
        return upcomingBills(pool, u.id, { days: req.query.days });
      },
    );

    app.get(
      '/v1/users/:phone/balances/history',
      {
        schema: {
          tags,
          summary: "Each account's balance at the end of each day, reconstructed from its current balance",
          params: Phone,
          querystring: z.object({ days: z.coerce.number().int().min(1).max(730).default(90) }),
          response: { 200: BalanceHistorySchema },
        },
      },
      async (req) => {
        const u = await findPerson(pool, req.params.phone);
        return balanceHistory(pool, u.id, { days: req.query.days });
      },
    );

    app.patch(
      '/v1/users/:phone/transactions/:id',
      {
        schema: {
          tags,
          summary:
            "The person's category for a transaction (wins over Pluggy's; remembered for the merchant)",
          params: Phone.extend({ id: z.string().min(1).max(100) }),
          querystring: z.object({ lang: LangSchema }),
          body: z.object({ categoryId: z.string().min(1).max(20) }),
          response: { 200: CategoryCorrectionSchema },
        },
      },
      async (req) => {
        const u = await findPerson(pool, req.params.phone);
        return correctCategory(pool, u.id, req.params.id, req.body.categoryId, req.query.lang);
      },
    );

    app.get(
      '/v1/users/:phone/transactions.ofx',
      {
        schema: {
          tags,
          summary: 'OFX 1.0.2 export of the accounts (or one) over a date range',
          params: Phone,
          querystring: z.object({ from: Day, to: Day, accountId: z.string().min(1).max(100).optional() }),
          produces: ['application/x-ofx'],
        },
      },
      async (req, reply) => {
        const u = await findPerson(pool, req.params.phone);
        const body = await exportOfx(pool, u.id, req.query);
        return reply
          .header('content-type', 'application/x-ofx; charset=us-ascii')
          .header(
            'content-disposition',
            `attachment; filename="transacoes-${req.query.from}-${req.query.to}.ofx"`,
          )
          .send(body);
      },
    );
  };
