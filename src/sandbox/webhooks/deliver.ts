/**
 * Webhook deliveries as Pluggy makes them (docs/pluggy.md#deliveries-and-retries): POST, JSON body, the
 * registered custom headers, any 2xx is success, a timeout or other status is retried with back-off,
 * a 401 is final. Default schedule is Pluggy's older documented one: 9 attempts — 3 at once, 3 after
 * an hour, 3 after two hours; item/login_succeeded gets only the first 3. Retry times are kept on the sandbox clock too, so admin.advanceClock
 * past them fires the retry at once.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';

export type WebhookRetryOptions = { attempts?: number; delaysMs?: number[]; timeoutMs?: number };

const HOUR = 3_600_000;
/** Delay before attempt n+1 (index n-1). */
const DEFAULT_DELAYS = [1_000, 2_000, HOUR, 1_000, 2_000, HOUR, 1_000, 2_000];
const DEFAULT_ATTEMPTS = 9;
/**
 * Current docs give receivers 10 s (older: 5 s); a stand-in waits the longer one
 * (docs/pluggy.md#deliveries-and-retries).
 */
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_IN_FLIGHT = 32;
const MAX_RECORDS = 20_000;
/** Finished records are trimmed in batches once the list grows this far past MAX_RECORDS. */
const TRIM_AT = MAX_RECORDS + MAX_RECORDS / 10;
/**
 * item/login_succeeded gets only the first (immediate) round of attempts
 * (docs/pluggy.md#deliveries-and-retries).
 */
const LOGIN_SUCCEEDED_MAX_ATTEMPTS = 3;

export type DeliveryView = {
  eventId: string;
  event: string;
  url: string;
  attempts: number;
  lastStatus: number | null;
  delivered: boolean;
  payload: unknown;
};

type Delivery = DeliveryView & {
  /** What goes on the wire; dropped once the delivery is done (list() needs only the payload). */
  request: { headers: Record<string, string>; body: string } | null;
  state: 'queued' | 'in-flight' | 'scheduled' | 'done';
  timer: NodeJS.Timeout | null;
  /** Sandbox-clock time of the next attempt while scheduled. */
  dueAt: number;
};

export class Deliverer {
  private readonly records: Delivery[] = [];
  /** Length at which enqueue trims finished records (raised while unfinished ones hold it up). */
  private trimAt = TRIM_AT;
  private readonly queue: Delivery[] = [];
  private inFlight = 0;
  private open = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly aborts = new Set<AbortController>();
  private closed = false;
  private readonly attempts: number;
  private readonly delays: number[];
  private readonly timeoutMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    retry: WebhookRetryOptions = {},
  ) {
    this.attempts = Math.max(1, retry.attempts ?? DEFAULT_ATTEMPTS);
    this.delays = retry.delaysMs?.length ? retry.delaysMs : DEFAULT_DELAYS;
    this.timeoutMs = retry.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  enqueue(
    eventId: string,
    event: string,
    url: string,
    headers: Record<string, string>,
    payload: unknown,
  ): void {
    if (this.closed) return;
    const d: Delivery = {
      eventId,
      event,
      url,
      attempts: 0,
      lastStatus: null,
      delivered: false,
      payload,
      request: { headers, body: JSON.stringify(payload) },
      state: 'queued',
      timer: null,
      dueAt: 0,
    };
    this.records.push(d);
    if (this.records.length > this.trimAt) this.trim();
    this.open += 1;
    this.queue.push(d);
    this.pump();
  }

  /** Drops the oldest finished records down to MAX_RECORDS in one pass (unfinished ones stay). */
  private trim(): void {
    let excess = this.records.length - MAX_RECORDS;
    let kept = 0;
    for (const r of this.records) {
      if (excess > 0 && r.state === 'done') {
        excess -= 1;
        continue;
      }
      this.records[kept++] = r;
    }
    this.records.length = kept;
    // If unfinished deliveries keep the list long, wait for another batch before scanning again.
    this.trimAt = Math.max(TRIM_AT, kept + MAX_RECORDS / 10);
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0 && !this.closed) {
      const d = this.queue.shift()!;
      void this.attempt(d);
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    const request = d.request!;
    d.state = 'in-flight';
    this.inFlight += 1;
    d.attempts += 1;
    const ac = new AbortController();
    this.aborts.add(ac);
    const timer = setTimeout(() => ac.abort(), this.timeoutMs);
    let status: number | null = null;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Pluggy-Webhooks (sandbox)',
          ...request.headers,
        },
        body: request.body,
        signal: ac.signal,
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      if (!this.closed) {
        this.logger.debug(
          { url: d.url, event: d.event, err: (err as Error).message },
          'webhook delivery failed',
        );
      }
    } finally {
      clearTimeout(timer);
      this.aborts.delete(ac);
      this.inFlight -= 1;
    }
    if (this.closed) return;
    d.lastStatus = status;
    const maxAttempts =
      d.event === 'item/login_succeeded'
        ? Math.min(LOGIN_SUCCEEDED_MAX_ATTEMPTS, this.attempts)
        : this.attempts;
    if (status !== null && status >= 200 && status < 300) {
      d.delivered = true;
      this.finish(d);
    } else if (status === 401 || d.attempts >= maxAttempts) {
      // 401 means "not for you / bad secret": Pluggy does not retry it
      // (docs/pluggy.md#deliveries-and-retries).
      this.logger.debug(
        { url: d.url, event: d.event, status, attempts: d.attempts },
        'webhook delivery given up',
      );
      this.finish(d);
    } else {
      const delay = this.delays[Math.min(d.attempts - 1, this.delays.length - 1)] ?? 0;
      d.state = 'scheduled';
      d.dueAt = this.clock.nowMs() + delay;
      d.timer = setTimeout(() => this.release(d), delay);
    }
    this.pump();
  }

  private release(d: Delivery): void {
    if (d.state !== 'scheduled' || this.closed) return;
    if (d.timer) clearTimeout(d.timer);
    d.timer = null;
    d.state = 'queued';
    this.queue.push(d);
    this.pump();
  }

  private finish(d: Delivery): void {
    d.state = 'done';
    d.request = null;
    this.open -= 1;
    if (this.open === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** The sandbox clock moved: fire retries that are now due. */
  clockAdvanced(): void {
    const now = this.clock.nowMs();
    for (const d of this.records) if (d.state === 'scheduled' && d.dueAt <= now) this.release(d);
  }

  list(): DeliveryView[] {
    return this.records.map((d) => ({
      eventId: d.eventId,
      event: d.event,
      url: d.url,
      attempts: d.attempts,
      lastStatus: d.lastStatus,
      delivered: d.delivered,
      payload: d.payload,
    }));
  }

  /** Resolves once no delivery is queued, in flight or waiting for a retry. */
  waitIdle(timeoutMs = 20_000): Promise<void> {
    if (this.open === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        const pending = this.records
          .filter((r) => r.state !== 'done')
          .map((r) => `${r.event} → ${r.url} (attempts ${r.attempts}, last ${r.lastStatus})`);
        reject(
          new Error(`deliveries still pending after ${timeoutMs} ms: ${pending.slice(0, 5).join('; ')}`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }

  close(): void {
    this.closed = true;
    for (const ac of this.aborts) ac.abort();
    for (const d of this.records) {
      if (d.timer) clearTimeout(d.timer);
      d.timer = null;
    }
    this.queue.length = 0;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
