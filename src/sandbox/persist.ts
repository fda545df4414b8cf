/**
 * Sandbox state that survives a restart (startSandbox({ stateFile })): items with their worlds (rows,
 * bills, products, generator positions), consents, registered webhooks, connector health, the clock
 * and the id counters. `npm start` keeps its database across restarts; without this, the in-process
 * sandbox would forget the items that database still points at.
 *
 * Written as one JSON file, atomically (temp file + rename), a moment after changes and on close.
 * Rows point at shared templates, so templates are saved once per world and rows carry an index.
 * An execution cut short by the restart is settled as OUTDATED on load (the client retries).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ClockMode } from './clock.ts';
import type { SandboxContext } from './context.ts';
import { Rng } from './random.ts';
import type { ItemState, WebhookState } from './store.ts';
import type { ConnectorHealthStatus, JsonObject } from './types.ts';
import type { AccountState, Holder, World } from './world/model.ts';
import type { Template, TxRow } from './world/rows.ts';
import { type SavedTemplateBook, TemplateBook } from './world/templates.ts';

const VERSION = 1;
const SAVE_DELAY_MS = 250;

type SavedRow = Omit<TxRow, 't'> & { t: number };
type SavedAccount = Omit<AccountState, 'rows'> & { rows: SavedRow[] };
type SavedWorld = Omit<World, 'accounts' | 'investmentTransactions' | 'live' | 'templates'> & {
  accounts: SavedAccount[];
  investmentTransactions: [string, JsonObject[]][];
  live: number[];
  templates: SavedTemplateBook;
  templateList: Template[];
};
type SavedItem = Omit<ItemState, 'connector' | 'world' | 'running'> & {
  connectorId: number;
  world: SavedWorld | null;
};

type SavedState = {
  version: number;
  seed: number;
  savedAt: string;
  clock: { mode: ClockMode; offsetMs: number };
  ordinal: number;
  ids: number[];
  items: SavedItem[];
  webhooks: WebhookState[];
  connectorHealth: [number, ConnectorHealthStatus, string][];
};

function saveWorld(w: World): SavedWorld {
  const index = new Map<Template, number>();
  const templateList: Template[] = [];
  const idx = (t: Template) => {
    let i = index.get(t);
    if (i === undefined) {
      i = templateList.length;
      templateList.push(t);
      index.set(t, i);
    }
    return i;
  };
  return {
    holder: w.holder,
    accounts: w.accounts.map((a) => ({ ...a, rows: a.rows.map((r) => ({ ...r, t: idx(r.t) })) })),
    identity: w.identity,
    investments: w.investments,
    investmentTransactions: [...w.investmentTransactions],
    loans: w.loans,
    live: w.live.state(),
    activityUntil: w.activityUntil,
    templates: w.templates.toSaved(idx),
    templateList,
    openFinance: w.openFinance,
  };
}

function loadWorld(s: SavedWorld): World {
  const holder: Holder = s.holder;
  return {
    holder,
    accounts: s.accounts.map((a) => ({ ...a, rows: a.rows.map((r) => ({ ...r, t: s.templateList[r.t]! })) })),
    identity: s.identity,
    investments: s.investments,
    investmentTransactions: new Map(s.investmentTransactions),
    loans: s.loans,
    live: Rng.fromState(s.live),
    activityUntil: s.activityUntil,
    templates: TemplateBook.fromSaved(s.templates, holder, s.templateList),
    openFinance: s.openFinance,
  };
}

function snapshot(ctx: SandboxContext): SavedState {
  const { store } = ctx;
  return {
    version: VERSION,
    seed: ctx.seed,
    savedAt: new Date().toISOString(),
    clock: ctx.clock.saved(),
    ordinal: store.lastOrdinal(),
    ids: store.ids.state(),
    items: [...store.items.values()].map(({ connector, world, running: _running, ...rest }) => ({
      ...rest,
      connectorId: connector.id,
      world: world ? saveWorld(world) : null,
    })),
    webhooks: [...store.webhooks.values()],
    connectorHealth: [...store.connectors.values()].map((c) => [c.id, c.health.status, c.updatedAt]),
  };
}

/** Loads a state file into a fresh sandbox's store and clock; false when the file does not exist. */
export function loadState(ctx: SandboxContext, file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const saved = JSON.parse(text) as SavedState;
  if (saved.version !== VERSION) {
    throw new Error(
      `sandbox state file ${file} has version ${saved.version}, expected ${VERSION}; delete it to start fresh`,
    );
  }
  if (saved.seed !== ctx.seed) {
    throw new Error(
      `sandbox state file ${file} was written with seed ${saved.seed}, this sandbox runs seed ${ctx.seed}; ` +
        'use the same seed or delete the file to start fresh',
    );
  }
  const { store, clock } = ctx;
  clock.restore(saved.clock);
  store.restoreOrdinal(saved.ordinal);
  store.ids.setState(saved.ids);
  for (const [id, status, updatedAt] of saved.connectorHealth) {
    const c = store.connectors.get(id);
    if (!c) continue;
    c.health.status = status;
    c.updatedAt = updatedAt;
  }
  for (const w of saved.webhooks) store.webhooks.set(w.id, w);
  const now = clock.nowMs();
  for (const { connectorId, world, ...rest } of saved.items) {
    const connector = store.connectors.get(connectorId);
    if (!connector) continue;
    const item: ItemState = { ...rest, connector, world: world ? loadWorld(world) : null, running: false };
    if (['UPDATING', 'WAITING_USER_INPUT', 'WAITING_USER_ACTION'].includes(item.status)) {
      // The execution died with the previous process: settle it the way a crashed one settles.
      const error = { code: 'UNEXPECTED_ERROR', message: 'The sandbox restarted during the execution' };
      Object.assign(item, {
        status: 'OUTDATED',
        executionStatus: 'UNEXPECTED_ERROR',
        error,
        parameter: null,
        userAction: null,
        statusDetail: null,
        lastExecutionEndedAt: now,
        updatedAt: now,
      });
    }
    store.items.set(item.id, item);
    store.indexWorld(item);
    if (item.consent) store.consents.set(item.consent.id, { item, consent: item.consent });
  }
  return true;
}

/** Saves `ctx`'s state to `file` a moment after each change (coalesced), and at once on flush. */
export class StateSaver {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly ctx: SandboxContext,
    private readonly file: string,
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }

  changed(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.write();
    }, SAVE_DELAY_MS);
    this.timer.unref();
  }

  /** Writes now and stops saving (the sandbox closes). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.closed) return;
    this.write();
    this.closed = true;
  }

  private write(): void {
    try {
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(snapshot(this.ctx)));
      renameSync(tmp, this.file);
    } catch (err) {
      // A full disk must not take the sandbox down; the next change tries again.
      this.ctx.logger.warn({ err, file: this.file }, 'sandbox state not saved');
    }
  }
}
