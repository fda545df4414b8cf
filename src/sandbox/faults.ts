/**
 * Fault injection per route. A rule matches by method and path (exact, or a prefix ending in '*'),
 * fires `times` times at most and with probability `rate` (drawn from a seeded PRNG, so a seeded run
 * injects the same faults). Kinds:
 * - respond: answer `status` (default 500) with `headers`/`body` (defaults: Pluggy-shaped error body;
 *   a 429 gets `Retry-After: 1` unless headers say otherwise);
 * - latency: wait `ms` before handling (combines with the other kinds);
 * - drop: destroy the connection without answering;
 * - expire-key: the request's API key stops working (403 "Missing or invalid authorization token")
 *   from now on, as if it had expired, so the client must POST /auth again.
 */
import { Rng } from './random.ts';

export type FaultRule = {
  method?: string;
  path?: string;
  times?: number;
  rate?: number;
  kind: 'respond' | 'latency' | 'drop' | 'expire-key';
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  ms?: number;
};

type Stored = FaultRule & { id: string; fired: number };

/** A fault rule that cannot be honoured (unknown kind, NaN or out-of-range numbers). */
export class FaultRuleError extends Error {}

function check(v: unknown, field: string, what: string, ok: (n: number) => boolean): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
    throw new FaultRuleError(
      `fault ${field} must be ${what} (got ${typeof v === 'number' ? v : JSON.stringify(v)})`,
    );
}

type FaultDecision = {
  latencyMs: number;
  action: Stored | null;
};

export class Faults {
  private rules: Stored[] = [];
  private readonly rng: Rng;
  private counter = 0;

  constructor(seed: number) {
    this.rng = Rng.derive(seed, 'faults');
  }

  add(rule: FaultRule): string {
    const kinds = ['respond', 'latency', 'drop', 'expire-key'];
    if (!kinds.includes(rule.kind)) throw new FaultRuleError(`fault kind must be one of ${kinds.join(', ')}`);
    // A NaN/null here would make a rule that silently never fires (or always does): refuse it.
    check(rule.rate, 'rate', 'a number within 0..1', (n) => n >= 0 && n <= 1);
    check(rule.times, 'times', 'a positive integer', (n) => Number.isInteger(n) && n >= 1);
    check(
      rule.status,
      'status',
      'an HTTP status (integer 100..599)',
      (n) => Number.isInteger(n) && n >= 100 && n <= 599,
    );
    check(rule.ms, 'ms', 'a non-negative number of milliseconds', (n) => n >= 0);
    this.counter += 1;
    const id = `fault-${this.counter}`;
    this.rules.push({ ...rule, method: rule.method?.toUpperCase(), id, fired: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): (FaultRule & { id: string; fired: number })[] {
    return this.rules.map((r) => ({ ...r }));
  }

  private matches(rule: Stored, method: string, path: string): boolean {
    if (rule.method && rule.method !== method) return false;
    if (!rule.path) return true;
    if (rule.path.endsWith('*')) return path.startsWith(rule.path.slice(0, -1));
    return path === rule.path;
  }

  /** Decide what happens to one request; consumes `times` of the rules that fire. */
  decide(method: string, path: string): FaultDecision {
    if (this.rules.length === 0) return { latencyMs: 0, action: null };
    let latencyMs = 0;
    let action: Stored | null = null;
    for (const rule of this.rules) {
      if (!this.matches(rule, method, path)) continue;
      if (rule.times !== undefined && rule.fired >= rule.times) continue;
      if (rule.kind !== 'latency' && action) continue;
      if (rule.rate !== undefined && !this.rng.chance(rule.rate)) continue;
      rule.fired += 1;
      if (rule.kind === 'latency') latencyMs += rule.ms ?? 0;
      else action = rule;
    }
    this.rules = this.rules.filter((r) => r.times === undefined || r.fired < r.times);
    return { latencyMs, action };
  }
}
