import type {} from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { linkFromInput } from '../../domain/connectLink.ts';
import { AppError } from '../../domain/errors.ts';
import {
  type ConnectDeps,
  connectionProgress,
  connectionStatus,
  openConnectSession,
  reportConnectedItem,
} from '../../reads/connect.ts';
import { AccountViewSchema, ItemViewSchema, PluggyIdSchema } from '../../reads/schemas.ts';

const Link = z
  .string()
  .min(1)
  .max(4096)
  .describe('the `link` parameter of the connect URL, or the whole URL');
const tags = ['connect'];

/**
 * The Connect page's calls: public (no bearer token), authorised by the signed link alone, and
 * rate limited per link and per IP so a leaked or guessed link cannot be hammered.
 */
export const connectRoutes =
  (deps: ConnectDeps, rate: { perIp: object; perLink: object }): FastifyPluginAsyncZod =>
  async (app) => {
    // A second limit on the same route: @fastify/rate-limit runs one handler per request, so the
    // per-link one is checked here, after the body (which carries the link) is parsed.
    const linkLimit = app.createRateLimit(rate.perLink);
    const perLink = async (req: FastifyRequest) => {
      const r = await linkLimit(req);
      if (!r.isAllowed && r.isExceeded) {
        throw new AppError('rate-limited', 'too-many-requests', 'Too many requests with this link.', {
          retryAfterSeconds: Math.max(1, r.ttlInSeconds),
        });
      }
    };
    app.post(
      '/v1/connect/session',
      {
        config: { rateLimit: rate.perIp },
        preHandler: perLink,
        schema: {
          tags,
          security: [], // the link is the credential
          summary: 'Exchange a link for a Pluggy connect token',
          body: z.object({ link: Link }),
          response: {
            200: z.object({
              connectToken: z.string(),
              mode: z.enum(['create', 'update']),
              itemId: z.string().optional(),
              includeSandbox: z.boolean(),
              widgetUrl: z
                .string()
                .optional()
                .describe("local mode: the sandbox's Connect widget stand-in, the widget SDK's `url`"),
            }),
          },
        },
      },
      async (req) => openConnectSession(deps, req.body.link),
    );

    app.post(
      '/v1/connect/items',
      {
        config: { rateLimit: rate.perIp },
        preHandler: perLink,
        schema: {
          tags,
          security: [], // the link is the credential
          summary: 'Report a finished connection: verified at Pluggy, linked, synced at once',
          body: z.object({ link: Link, itemId: PluggyIdSchema }),
          response: { 202: z.object({ itemId: z.string(), status: z.string() }) },
        },
      },
      async (req, reply) =>
        reply.code(202).send(await reportConnectedItem(deps, req.body.link, req.body.itemId)),
    );

    app.get(
      '/v1/connect/status',
      {
        config: { rateLimit: rate.perIp },
        preHandler: perLink,
        schema: {
          tags,
          security: [], // the link is the credential
          summary: "The connection's progress and, once synced, its accounts",
          querystring: z.object({ link: Link }),
          response: {
            200: z.object({
              mode: z.enum(['create', 'update']),
              items: z.array(ItemViewSchema.extend({ accounts: z.array(AccountViewSchema) })),
            }),
          },
        },
      },
      async (req) => connectionStatus(deps, req.query.link),
    );

    // The page polls this while the first sync runs, so it gets a per-link allowance of its own
    // (several times the exchange's): a poll every few seconds must not spend the link's budget.
    const progressLimit = app.createRateLimit({
      ...rate.perLink,
      max: 6 * ((rate.perLink as { max?: number }).max ?? 10),
    });
    const perIpMax = (rate.perIp as { max?: number }).max ?? 60;
    app.get(
      '/v1/connect/progress',
      {
        config: { rateLimit: { ...rate.perIp, max: 6 * perIpMax } },
        preHandler: async (req) => {
          const r = await progressLimit(req);
          if (!r.isAllowed && r.isExceeded) {
            throw new AppError('rate-limited', 'too-many-requests', 'Too many requests with this link.', {
              retryAfterSeconds: Math.max(1, r.ttlInSeconds),
            });
          }
        },
        schema: {
          tags,
          security: [], // the link is the credential
          summary: "The Connect page's poll: progress, accounts once synced, and 30 days' spending",
          querystring: z.object({ link: Link, lang: z.enum(['pt', 'en']).default('pt') }),
          response: {
            200: z.object({
              mode: z.enum(['create', 'update']),
              items: z.array(ItemViewSchema.extend({ accounts: z.array(AccountViewSchema) })),
              spending: z.object({
                from: z.string().describe('first local day (YYYY-MM-DD)'),
                to: z.string().describe('last local day, today'),
                currencyCode: z.string(),
                total: z.string().describe('decimal string'),
                categories: z.array(
                  z.object({ categoryId: z.string(), category: z.string(), total: z.string() }),
                ),
              }),
            }),
          },
        },
      },
      async (req) => connectionProgress(deps, req.query.link, req.query.lang),
    );
  };

/** The rate limiter's key for link calls: the link itself (its nonce makes each link distinct). */
export function linkKey(req: { body?: unknown; query?: unknown; ip: string }): string {
  const raw =
    (req.body as { link?: unknown } | undefined)?.link ?? (req.query as { link?: unknown } | undefined)?.link;
  return typeof raw === 'string' ? `link:${linkFromInput(raw).slice(0, 200)}` : `ip:${req.ip}`;
}
