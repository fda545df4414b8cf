import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import { PluggyIdSchema } from '../../reads/schemas.ts';
import { pingDatabase } from '../../db/pool.ts';
import { getItem } from '../../db/queries/items.ts';
import { AppError } from '../../domain/errors.ts';
import { listAccountsByItem } from '../../db/queries/accounts.ts';
import { accountView } from '../../reads/accounts.ts';
import { type ConnectDeps, mintConnectLink, openConnectSession } from '../../reads/connect.ts';
import type { ConnectorCatalog } from '../../reads/connectors.ts';
import { financialData } from '../../reads/financialData.ts';
import { listItemViews } from '../../reads/items.ts';
import { ensurePerson, findPerson } from '../../reads/people.ts';

const PREFIX = '/api/pluggy-v2';
// RFC 9745: the date the old paths were deprecated, as @<epoch seconds>.
const DEPRECATED_AT = `@${Date.UTC(2026, 11, 1) / 1000}`;

/**
 * The old system's paths, so its callers keep working while they move: the same reads, the same
 * bearer token, the old `{success, data}` envelope, and headers saying where to go instead.
 */
export const legacyRoutes =
  (deps: { pool: pg.Pool; catalog: ConnectorCatalog; connect: ConnectDeps }): FastifyPluginAsyncZod =>
  async (app) => {
    const { pool } = deps;
    const old = (reply: FastifyReply, successor: string, data: unknown) => {
      reply.header('deprecation', DEPRECATED_AT);
      reply.header('link', `<${successor}>; rel="successor-version"`);
      return { success: true, data };
    };
    const schema = { tags: ['deprecated'], deprecated: true };

    app.get(`${PREFIX}/test`, { schema }, async (_req, reply) => old(reply, '/health', { status: 'ok' }));
    app.get(`${PREFIX}/health`, { schema }, async (_req, reply) => {
      await pingDatabase(pool);
      return old(reply, '/health', { status: 'ok', database: 'ok' });
    });
    app.get(`${PREFIX}/connectors`, { schema }, async (_req, reply) =>
      old(reply, '/v1/connectors', await deps.catalog.list()),
    );

    app.post(
      `${PREFIX}/connect-token`,
      {
        schema: {
          ...schema,
          body: z.object({ phoneNumber: z.string().max(40), itemId: PluggyIdSchema.optional() }),
        },
      },
      async (req, reply) => {
        // The phone no longer becomes Pluggy's clientUserId: the person gets our opaque id, and the
        // caller gets a signed link (plus, being a trusted back end, the connect token itself).
        const { user } = await ensurePerson(pool, req.body.phoneNumber, 'phoneNumber');
        const link = await mintConnectLink(deps.connect, user.id, { itemId: req.body.itemId });
        const session = await openConnectSession(deps.connect, link.link);
        return old(reply, `/v1/users/${encodeURIComponent(user.phoneE164)}/connect-links`, {
          accessToken: session.connectToken,
          connectUrl: link.url,
          expiresAt: link.expiresAt,
          clientUserId: user.id,
        });
      },
    );

    const Digits = z.object({ clientUserId: z.string().max(40) });
    app.get(
      `${PREFIX}/user/:clientUserId/items`,
      { schema: { ...schema, params: Digits } },
      async (req, reply) => {
        const u = await findPerson(pool, digitsAsPhone(req.params.clientUserId), 'clientUserId');
        return old(
          reply,
          `/v1/users/${encodeURIComponent(u.phoneE164)}/items`,
          await listItemViews(pool, u.id),
        );
      },
    );
    app.get(
      `${PREFIX}/user/:clientUserId/financial-data`,
      { schema: { ...schema, params: Digits } },
      async (req, reply) => {
        const u = await findPerson(pool, digitsAsPhone(req.params.clientUserId), 'clientUserId');
        return old(
          reply,
          `/v1/users/${encodeURIComponent(u.phoneE164)}/financial-data`,
          await financialData(pool, u),
        );
      },
    );
    app.get(
      `${PREFIX}/item/:itemId/accounts`,
      { schema: { ...schema, params: z.object({ itemId: PluggyIdSchema }) } },
      async (req, reply) => {
        const item = await getItem(pool, req.params.itemId);
        if (!item?.userId || item.deletedAt) {
          throw new AppError('not-found', 'item-not-found', 'No such item.');
        }
        const accounts = (await listAccountsByItem(pool, item.id)).map(accountView);
        return old(reply, '/v1/users/{phone}/accounts', accounts);
      },
    );
  };

/** The old system's clientUserId was the phone's digits with the country code ("5511…"). */
function digitsAsPhone(digits: string): string {
  return /^\d+$/.test(digits) ? `+${digits}` : digits;
}
