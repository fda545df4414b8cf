import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../http/server.ts';
import { createLogger } from '../log.ts';
import type { Boss } from '../sync/jobs.ts';
import { webhookRoutes } from './route.ts';

/**
 * The receiver's edges that need no database: which secrets it accepts, and the 503 a full waiting
 * queue answers. A stand-in pool stores nothing and can be held; the full path is covered by
 * webhooks.int.test.ts.
 */
const CURRENT = 'current-webhook-secret-1a2b3c';
const PREVIOUS = 'previous-webhook-secret-4d5e6f';

let hold: Promise<void> | undefined;
const client = {
  async query(q: string | { text: string; values: unknown[] }) {
    if (typeof q === 'string') return { rows: [] }; // BEGIN, COMMIT
    if (q.text === 'insert jobs') return { rows: [], rowCount: (q.values[0] as unknown[]).length };
    if (hold) await hold;
    return { rows: (q.values[0] as string[]).map((eventId) => ({ eventId, outcome: 'ignored' })) };
  },
  release() {},
};
const pool = { connect: async () => client } as unknown as pg.Pool;
/** A boss whose insert writes every job it is given, through the transaction's client. */
const boss = {
  getQueue: async () => ({ name: 'webhook-event' }),
  async insert(jobs: unknown[], opts: { db: { executeSql(t: string, v: unknown[]): Promise<unknown> } }) {
    await opts.db.executeSql('insert jobs', [jobs]);
  },
} as unknown as Boss;

let app: Awaited<ReturnType<typeof buildServer>>;
beforeAll(async () => {
  const logger = createLogger('silent');
  app = await buildServer({
    logger,
    pool,
    plugins: [
      webhookRoutes({
        pool,
        boss,
        secret: CURRENT,
        previousSecret: PREVIOUS,
        logger,
        recorder: { maxBatch: 1, maxInFlight: 1, maxWaiting: 1 },
      }),
    ],
  });
});
afterAll(() => app?.close());

let n = 0;
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const deliver = (url: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: { event: 'item/updated', eventId: uuid(++n), itemId: uuid(0) },
  });

describe('webhook secret rotation: current and previous secret both accepted', () => {
  it('in the header', async () => {
    expect((await deliver('/webhooks/pluggy', { 'x-webhook-secret': CURRENT })).statusCode).toBe(200);
    expect((await deliver('/webhooks/pluggy', { 'x-webhook-secret': PREVIOUS })).statusCode).toBe(200);
    const third = await deliver('/webhooks/pluggy', { 'x-webhook-secret': 'a-third-secret-7g8h9i0j' });
    expect(third.statusCode).toBe(401);
    expect(third.json().code).toBe('invalid-webhook-secret');
  });

  it('in the path', async () => {
    expect((await deliver(`/webhooks/pluggy/${CURRENT}`)).statusCode).toBe(200);
    expect((await deliver(`/webhooks/pluggy/${PREVIOUS}`)).statusCode).toBe(200);
    expect((await deliver('/webhooks/pluggy/a-third-secret-7g8h9i0j')).statusCode).toBe(401);
  });
});

describe('webhook receiver under a burst', () => {
  it('answers 503 with Retry-After, at once, when the waiting queue is full', async () => {
    let release!: () => void;
    hold = new Promise((r) => {
      release = r;
    });
    const auth = { 'x-webhook-secret': CURRENT };
    try {
      const inFlight = deliver('/webhooks/pluggy', auth);
      const waiting = deliver('/webhooks/pluggy', auth);
      // Let both reach the recorder before the third arrives.
      await new Promise((r) => setTimeout(r, 50));
      const refused = await deliver('/webhooks/pluggy', auth);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(refused.json().code).toBe('webhook-receiver-busy');
      release();
      expect((await inFlight).statusCode).toBe(200);
      expect((await waiting).statusCode).toBe(200);
    } finally {
      hold = undefined;
      release();
    }
  });
});
