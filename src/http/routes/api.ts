import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type pg from 'pg';
import type { Config } from '../../config.ts';
import { AppError } from '../../domain/errors.ts';
import { maskPhone, normalizePhone } from '../../domain/phone.ts';
import type { Logger } from '../../log.ts';
import { type PluggyClient, PluggyError } from '../../pluggy/index.ts';
import type { ConnectDeps } from '../../reads/connect.ts';
import { createConnectorCatalog } from '../../reads/connectors.ts';
import { type Boss, enqueue, QUEUES } from '../../sync/jobs.ts';
import { requireBearer } from '../auth.ts';
import { assistantTokenRoutes } from './assistantTokens.ts';
import { answerRoutes } from './answers.ts';
import { connectRoutes, linkKey } from './connect.ts';
import { connectPageRoutes } from './connectPage.ts';
import { connectorRoutes } from './connectors.ts';
import { legacyRoutes } from './legacy.ts';
import { insightRoutes } from './insights.ts';
import { statusRoutes } from './status.ts';
import { installMetrics } from './metrics.ts';
import { userRoutes } from './users.ts';

export type ApiDeps = {
  pool: pg.Pool;
  pluggy: PluggyClient;
  boss: Boss;
  logger: Logger;
  config: Pick<Config, 'apiTokens' | 'linkSigningSecret' | 'publicBaseUrl' | 'mode'> & {
    metricsToken?: string | undefined;
    whatsappNumber?: string | undefined;
  };
  /** Local mode: the sandbox's Connect widget stand-in (`<sandbox>/connect`), for the Connect page. */
  connectWidgetUrl?: string | undefined;
  /** Connector cache lifetime, default 1 h. */
  connectorsTtlMs?: number;
  /** Link minting and exchange limits per window (per IP, per link/person); defaults suit production. */
  rateLimits?: { perIp?: number; perKey?: number; windowMs?: number };
};

/** Small JSON bodies only: phones, links, ids. */
const API_BODY_LIMIT = 16 * 1024;

/**
 * The assistant's API (/v1), the Connect page's link-authenticated calls, the old system's paths,
 * metrics and the OpenAPI document with its interactive docs. Registered at the root (it sets the
 * security headers, CORS and the bearer check for every route registered after it).
 */
export function apiRoutes(deps: ApiDeps): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (root) => {
    const { config } = deps;
    await root.register(helmet, { global: true });
    // Only the Connect page, served from our own public address, calls from a browser.
    await root.register(cors, { origin: [config.publicBaseUrl], methods: ['GET', 'POST'] });
    await root.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_req, ctx) =>
        new AppError('rate-limited', 'too-many-requests', `Too many requests; retry in ${ctx.after}.`, {
          retryAfterSeconds: Math.max(1, Math.ceil(ctx.ttl / 1000)),
        }),
    });
    root.addHook(
      'onRequest',
      requireBearer(config.apiTokens, {
        extraTokens: config.metricsToken ? { '/metrics': [config.metricsToken] } : {},
      }),
    );
    root.addHook('onRequest', maskPhoneInLoggedUrl);
    installMetrics(root, { pool: deps.pool, boss: deps.boss });

    await root.register(swagger, {
      openapi: {
        info: {
          title: 'pluggy-bridge',
          version: '1.0.0',
          description: "A person's Open Finance data by phone",
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
      transform: jsonSchemaTransform,
    });
    await root.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      // Its own CSP (hashes for its inline parts) replaces helmet's stricter default on these pages;
      // both at once would block Swagger UI's inline styles.
      uiHooks: {
        onRequest: async (_req, reply) => {
          reply.removeHeader('content-security-policy');
        },
      },
    });
    root.get('/openapi.json', { schema: { hide: true } }, async () => root.swagger());

    const windowMs = deps.rateLimits?.windowMs ?? 60_000;
    const perIp = { max: deps.rateLimits?.perIp ?? 60, timeWindow: windowMs, hook: 'onRequest' as const };
    const perLink = { max: deps.rateLimits?.perKey ?? 10, timeWindow: windowMs, keyGenerator: linkKey };
    const perPerson = {
      max: deps.rateLimits?.perKey ?? 10,
      timeWindow: windowMs,
      hook: 'preHandler' as const,
      keyGenerator: (req: FastifyRequest) => `person:${(req.params as { phone?: string }).phone ?? req.ip}`,
    };

    const connect: ConnectDeps = {
      pool: deps.pool,
      pluggy: deps.pluggy,
      linkSecret: config.linkSigningSecret,
      publicBaseUrl: config.publicBaseUrl,
      includeSandbox: config.mode === 'local',
      widgetUrl: deps.connectWidgetUrl,
      enqueueSync: async (itemId, reason) => {
        await enqueue(deps.boss, QUEUES.itemSync, { itemId, reason });
      },
    };
    const catalog = createConnectorCatalog(deps.pluggy, deps.pool, {
      includeSandbox: config.mode === 'local',
      ...(deps.connectorsTtlMs !== undefined ? { ttlMs: deps.connectorsTtlMs } : {}),
    });

    await root.register(async (api: FastifyInstance) => {
      api.setValidatorCompiler(validatorCompiler);
      // Pluggy failing is not our bug: a 502/503/429 the caller can retry, not a 500. Rethrown as
      // an AppError, the root handler (src/http/errors.ts, the one mapping) answers it.
      api.setErrorHandler((err) => {
        throw pluggyFailureAsAppError(err) ?? err;
      });
      // Answers are built by code typed from these same schemas (and the tests parse them with the
      // schemas); re-validating each one costs ~5 ms per 100-row page, so they are only stringified.
      api.setSerializerCompiler(() => (data) => JSON.stringify(data));
      api.addHook('onRoute', (route) => {
        route.bodyLimit ??= API_BODY_LIMIT;
      });
      await api.register(
        userRoutes({
          pool: deps.pool,
          pluggy: deps.pluggy,
          logger: deps.logger,
          connect,
          linkRateLimit: perPerson,
        }),
      );
      await api.register(answerRoutes({ pool: deps.pool }));
      await api.register(insightRoutes({ pool: deps.pool, pluggy: deps.pluggy, connect }));
      await api.register(connectRoutes(connect, { perIp, perLink }));
      await api.register(assistantTokenRoutes({ pool: deps.pool, secret: config.linkSigningSecret }));
      await api.register(connectorRoutes(catalog));
      await api.register(legacyRoutes({ pool: deps.pool, catalog, connect }));
      await api.register(
        connectPageRoutes({ widgetUrl: deps.connectWidgetUrl, whatsappNumber: config.whatsappNumber }),
      );
      await api.register(statusRoutes({ pool: deps.pool, boss: deps.boss }));
    });
  };
  // Not encapsulated: helmet, CORS and the bearer check must cover every later route, not only ours.
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}

/**
 * Phone numbers never reach a log line: once routed, the URL that request logs and problem bodies
 * echo carries the masked number instead (the parsed params keep the real one).
 */
async function maskPhoneInLoggedUrl(req: FastifyRequest) {
  const params = req.params as { phone?: string; clientUserId?: string } | undefined;
  const value = params?.phone ?? params?.clientUserId;
  if (!value) return;
  let masked: string;
  try {
    masked = maskPhone(normalizePhone(/^\d+$/.test(value) && params?.clientUserId ? `+${value}` : value));
  } catch {
    masked = '[invalid-phone]';
  }
  const [path = '', query] = req.raw.url?.split('?') ?? [];
  const segments = path.split('/').map((s) => (safeDecode(s) === value ? encodeURIComponent(masked) : s));
  req.raw.url = segments.join('/') + (query !== undefined ? `?${query}` : '');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function pluggyFailureAsAppError(err: unknown): AppError | undefined {
  if (!(err instanceof PluggyError)) return undefined;
  const retryAfterSeconds = Math.max(1, Math.ceil((err.retryAfterMs ?? 30_000) / 1000));
  if (err.code === 'rate-limited') {
    return new AppError('rate-limited', 'pluggy-rate-limited', 'Pluggy refuses more calls right now.', {
      retryAfterSeconds,
    });
  }
  if (err.code === 'unavailable') {
    return new AppError('unavailable', 'pluggy-unavailable', 'Pluggy is not answering; retry shortly.', {
      retryAfterSeconds,
    });
  }
  return new AppError('upstream', 'pluggy-error', `Pluggy refused the call (${err.pluggyCode ?? err.code}).`);
}
