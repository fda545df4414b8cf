import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requirePersonAccount, accountView, listAccountViews } from '../../reads/accounts.ts';
import { type ConnectDeps, MAX_LINK_MINUTES, mintConnectLink } from '../../reads/connect.ts';
import { financialData } from '../../reads/financialData.ts';
import { listItemViews, requirePersonItem } from '../../reads/items.ts';
import { ensurePerson, findPerson } from '../../reads/people.ts';
import {
  AccountViewSchema,
  FinancialDataSchema,
  ItemViewSchema,
  PersonSchema,
  TransactionViewSchema,
  pageOf,
  type TransactionView,
  PluggyIdSchema,
} from '../../reads/schemas.ts';
import {
  allPersonTransactions,
  listPersonTransactions,
  TransactionFilterSchema,
} from '../../reads/transactions.ts';
import { type ItemActionDeps, deleteItemEverywhere, erasePerson, refreshItem } from './itemActions.ts';

export type UserRouteDeps = ItemActionDeps & { connect: ConnectDeps; linkRateLimit: object };

const Phone = z.object({ phone: z.string().max(40).describe('any usual writing; normalised to E.164') });
const PhoneItem = Phone.extend({ itemId: PluggyIdSchema });
const LinkSchema = z.object({ url: z.string(), expiresAt: z.iso.datetime() });
const tags = ['people'];

/** /v1/users/…: the assistant's back end, behind the bearer token. Thin over src/reads. */
export const userRoutes =
  (deps: UserRouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { pool } = deps;

    app.post(
      '/v1/users',
      {
        schema: {
          tags,
          summary: 'Create a person (idempotent: 201 new, 200 existing)',
          body: z.object({ phone: z.string().max(40) }),
          response: { 200: PersonSchema, 201: PersonSchema },
        },
      },
      async (req, reply) => {
        const { person, created } = await ensurePerson(pool, req.body.phone);
        return reply.code(created ? 201 : 200).send(person);
      },
    );

    app.get(
      '/v1/users/:phone',
      { schema: { tags, summary: 'A person', params: Phone, response: { 200: PersonSchema } } },
      async (req) => {
        const u = await findPerson(pool, req.params.phone);
        return { id: u.id, phone: u.phoneE164, createdAt: u.createdAt.toISOString() };
      },
    );

    app.delete(
      '/v1/users/:phone',
      {
        schema: {
          tags,
          summary: 'Erase a person (LGPD): items deleted at Pluggy, every row purged, person removed',
          params: Phone,
          response: { 204: z.null() },
        },
      },
      async (req, reply) => {
        const u = await findPerson(pool, req.params.phone);
        await erasePerson(deps, u.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/users/:phone/connect-links',
      {
        config: { rateLimit: deps.linkRateLimit },
        schema: {
          tags,
          summary: 'A signed link for the person to connect a bank (or reconnect an item)',
          params: Phone,
          body: z
            .object({
              itemId: PluggyIdSchema.optional(),
              expiresInMinutes: z.number().int().min(1).max(MAX_LINK_MINUTES).optional(),
            })
            .default({}),
          response: { 201: LinkSchema },
        },
      },
      async (req, reply) => {
        const u = await findPerson(pool, req.params.phone);
        const { url, expiresAt } = await mintConnectLink(deps.connect, u.id, req.body ?? {});
        return reply.code(201).send({ url, expiresAt });
      },
    );

    app.get(
      '/v1/users/:phone/items',
      {
        schema: {
          tags,
          summary: "The person's connections",
          params: Phone,
          response: { 200: pageOf(ItemViewSchema) },
        },
      },
      async (req) => {
        const u = await findPerson(pool, req.params.phone);
        return { data: await listItemViews(pool, u.id), nextCursor: null };
      },
    );

    app.get(
      '/v1/users/:phone/financial-data',
      {
        schema: {
          tags,
          summary: 'Everything the assistant needs in one answer, from our database',
          params: Phone,
          response: { 200: FinancialDataSchema },
        },
      },
      async (req) => financialData(pool, await findPerson(pool, req.params.phone)),
    );

    app.get(
      '/v1/users/:phone/accounts',
      { schema: { tags, params: Phone, response: { 200: pageOf(AccountViewSchema) } } },
      async (req) => {
        const u = await findPerson(pool, req.params.phone);
        return { data: await listAccountViews(pool, u.id), nextCursor: null };
      },
    );

    app.get(
      '/v1/users/:phone/accounts/:accountId',
      {
        schema: {
          tags,
          params: Phone.extend({ accountId: PluggyIdSchema }),
          response: { 200: AccountViewSchema },
        },
      },
      async (req) => {
        const u = await findPerson(pool, req.params.phone);
        return accountView(await requirePersonAccount(pool, u.id, req.params.accountId));
      },
    );

    app.get(
      '/v1/users/:phone/transactions',
      {
        schema: {
          tags,
          summary: 'Transactions, newest first (date, then id); Accept: text/csv streams them all',
          params: Phone,
          querystring: TransactionFilterSchema,
          response: { 200: pageOf(TransactionViewSchema) },
        },
      },
      async (req, reply) => {
        const u = await findPerson(pool, req.params.phone);
        if (/\btext\/csv\b/.test(req.headers.accept ?? '')) {
          // Validate the first page before the 200 goes out: a bad filter is still a problem+json.
          const pages = allPersonTransactions(pool, u.id, req.query);
          const first = await pages.next();
          reply.header('content-type', 'text/csv; charset=utf-8');
          reply.header('content-disposition', 'attachment; filename="transactions.csv"');
          // A stream bypasses the response schema; `as never` says so to the type provider.
          return reply.send(Readable.from(csvLines(first.done ? [] : first.value, pages)) as never);
        }
        return listPersonTransactions(pool, u.id, req.query);
      },
    );

    app.post(
      '/v1/users/:phone/items/:itemId/refresh',
      {
        schema: {
          tags,
          summary: 'Ask Pluggy to update the item now (202), or a reconnect link when the person must act',
          params: PhoneItem,
          response: {
            200: z.object({ status: z.literal('needs-person'), reconnect: LinkSchema }),
            202: z.object({ status: z.literal('accepted'), itemId: z.string() }),
          },
        },
      },
      async (req, reply) => {
        const u = await findPerson(pool, req.params.phone);
        const item = await requirePersonItem(pool, u.id, req.params.itemId);
        const outcome = await refreshItem(deps, item);
        if (outcome === 'accepted') return reply.code(202).send({ status: 'accepted', itemId: item.id });
        const { url, expiresAt } = await mintConnectLink(deps.connect, u.id, { itemId: item.id });
        return reply.code(200).send({ status: 'needs-person', reconnect: { url, expiresAt } });
      },
    );

    app.delete(
      '/v1/users/:phone/items/:itemId',
      {
        schema: {
          tags,
          summary: 'Delete the connection at Pluggy and every row of it here',
          params: PhoneItem,
          response: { 204: z.null() },
        },
      },
      async (req, reply) => {
        const u = await findPerson(pool, req.params.phone);
        await requirePersonItem(pool, u.id, req.params.itemId);
        await deleteItemEverywhere(deps, req.params.itemId);
        return reply.code(204).send(null);
      },
    );
  };

const CSV_COLUMNS = [
  'id',
  'date',
  'accountId',
  'itemId',
  'description',
  'amount',
  'currencyCode',
  'type',
  'status',
  'category',
  'categoryId',
] as const satisfies readonly (keyof TransactionView)[];

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // Quote always-safe; a leading = + - @ would be a formula in a spreadsheet.
  const guarded = /^[=+@]/.test(s) || (/^-/.test(s) && !/^-?\d/.test(s)) ? `'${s}` : s;
  return `"${guarded.replace(/"/g, '""')}"`;
}

async function* csvLines(first: TransactionView[], rest: AsyncIterable<TransactionView[]>) {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  const write = (rows: TransactionView[]) =>
    rows.map((r) => `${CSV_COLUMNS.map((c) => csvCell(r[c])).join(',')}\r\n`).join('');
  if (first.length) yield write(first);
  for await (const rows of rest) if (rows.length) yield write(rows);
}
