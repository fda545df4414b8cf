import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { AppError } from '../domain/errors.ts';
import type { Logger } from '../log.ts';
import { type Boss, QUEUES } from '../sync/jobs.ts';
import { LEGACY_WEBHOOK_PATH, WEBHOOK_PATH, WEBHOOK_SECRET_HEADER } from './endpoint.ts';
import { EnvelopeSchema } from './events.ts';
import { parseWebhookJson } from './payload.ts';
import { createPool } from '../db/pool.ts';
import {
  createWebhookRecorder,
  recorderInFlight,
  type WebhookRecorder,
  type WebhookRecorderOptions,
} from './receive.ts';
import { secretMatcher } from './secret.ts';

export type WebhookRouteDeps = {
  pool: pg.Pool;
  /**
   * Enqueues each stored event's processing job, in the event's own transaction. Checked at start:
   * the webhook-event queue must exist before the receiver takes traffic.
   */
  boss: Boss;
  /** WEBHOOK_SECRET: what deliveries must present. */
  secret: string;
  /**
   * WEBHOOK_SECRET_PREVIOUS: also accepted, in the header and the path alike, while a rotation is
   * under way (docs/pluggy.md#authenticating-deliveries; Pluggy never retries a 401).
   */
  previousSecret?: string | undefined;
  logger: Logger;
  /** Largest accepted body; Pluggy's events are well under 2 KiB. Default 256 KiB. */
  bodyLimit?: number;
  /** Batching and the cap on waiting deliveries (receive.ts); the defaults suit production. */
  recorder?: WebhookRecorderOptions;
};

type SecretParams = { secret?: string };

/**
 * The Pluggy webhook receiver: authenticate, store the raw event and enqueue its processing
 * atomically (receive.ts), acknowledge. Nothing slow happens here — no Pluggy call, no per-event
 * info log: Pluggy wants a 2xx within seconds (docs/pluggy.md#deliveries-and-retries) and the path is
 * benchmarked.
 */
export function webhookRoutes(deps: WebhookRouteDeps): FastifyPluginAsync {
  const bodyLimit = deps.bodyLimit ?? 256 * 1024;
  const secretMatches = secretMatcher([deps.secret, deps.previousSecret]);

  // Runs before the body is read or parsed: an unauthenticated caller gets 401, whatever it sent.
  const authenticate = async (req: FastifyRequest<{ Params: SecretParams }>) => {
    // Pluggy sends custom headers only for webhooks registered through POST /webhooks; deliveries
    // to an item's or connect token's `webhookUrl` carry none (docs/pluggy.md#two-ways-to-subscribe), so the
    // secret may also travel as the last path segment: POST /webhooks/pluggy/<secret>.
    const header = req.headers[WEBHOOK_SECRET_HEADER];
    const fromPath = req.params.secret;
    if (fromPath !== undefined) {
      // Routing is done: blank the secret in the URL that request logs and problem bodies echo.
      req.raw.url = `${WEBHOOK_PATH}/[redacted]`;
    }
    const presented = fromPath ?? (typeof header === 'string' ? header : undefined);
    if (!secretMatches(presented)) {
      throw new AppError('unauthorized', 'invalid-webhook-secret', 'Missing or wrong webhook secret.');
    }
  };

  let recorder: WebhookRecorder | undefined;
  const receive = async (req: FastifyRequest<{ Params: SecretParams }>, reply: FastifyReply) => {
    const parsed = EnvelopeSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new AppError(
        'invalid',
        'invalid-webhook-payload',
        'A webhook event must be a JSON object with string `event` and `eventId`.',
        { errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      );
    }
    // Any failure propagates to the shared error mapping: 400 for a body that cannot be stored
    // (payload.ts), 503 with Retry-After for an unreachable database or a full waiting queue
    // (WebhookReceiverBusy), 500 otherwise — never a 2xx for an uncommitted event.
    const { duplicate } = await recorder!.record(parsed.data);
    if (duplicate) deps.logger.debug({ eventId: parsed.data.eventId }, 'webhook event redelivered');
    return reply.code(200).send({ received: true, duplicate });
  };

  return async (app) => {
    if (!(await deps.boss.getQueue(QUEUES.webhookEvent))) {
      throw new Error(
        `job queue ${QUEUES.webhookEvent} does not exist: start pg-boss with startBoss() first`,
      );
    }
    // The receiver's own few connections (one per batch in flight), pipelining — receive.ts: two
    // round trips a batch — to the shared pool's database. A pool not made from a connection string
    // (a stand-in in tests) is used as it is: the recorder is correct on any pool, only slower.
    const connectionString = (deps.pool.options as pg.PoolConfig | undefined)?.connectionString;
    let pool = deps.pool;
    if (connectionString) {
      const own = createPool(connectionString, {
        max: recorderInFlight(deps.recorder),
        pipeline: true,
        logger: deps.logger,
      });
      app.addHook('onClose', () => own.end());
      pool = own;
    }
    recorder = createWebhookRecorder({ pool, boss: deps.boss }, deps.recorder);
    // This plugin's own JSON parser: the nesting depth is checked on the text before parsing
    // (payload.ts), and a `__proto__` key is refused as Fastify's default parser does.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, text, done) => {
      try {
        done(null, parseJsonBody(text as string));
      } catch (err) {
        done(err as Error);
      }
    });
    const options = { bodyLimit, onRequest: authenticate };
    app.post(WEBHOOK_PATH, options, receive);
    app.post(`${WEBHOOK_PATH}/:secret`, options, receive);
    app.post(LEGACY_WEBHOOK_PATH, {
      ...options,
      onSend: async (_req, reply, payload) => {
        reply.header('deprecation', 'true');
        reply.header('link', `<${WEBHOOK_PATH}>; rel="successor-version"`);
        return payload;
      },
      handler: receive,
    });
  };
}

function parseJsonBody(text: string): unknown {
  const body = parseWebhookJson(text);
  // A key spelled with escapes still becomes "__proto__": any "proto" or escape means a second look.
  if (text.includes('proto') || text.includes('\\u')) {
    JSON.parse(text, (key, value) => {
      if (key === '__proto__') throw new SyntaxError('Object contains forbidden prototype property');
      return value;
    });
  }
  return body;
}
