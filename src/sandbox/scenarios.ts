/**
 * Scenario controls — the in-process `admin` object (also served under /__sandbox/*). They change
 * what the "bank" holds and fire the webhooks Pluggy would fire for that change:
 * new transactions, pending rows posting, a card bill restated (delete + create with new ids),
 * deletions, a login that stops working, a revoked consent, the clock moving (auto-syncs),
 * a connector's health changing. Plus test helpers: faults, request log, deliveries, ground truth.
 */
import type { RefreshLimits } from './refresh-limits.ts';
import { DAY_MS, dayStart, iso } from './clock.ts';
import type { RequestLogEntry, SandboxContext } from './context.ts';
import { loginStyle } from './world/connectors.ts';
import { refreshBalance } from './world/accounts.ts';
import { newRows } from './world/activity.ts';
import type { AccountState } from './world/model.ts';
import { toTransaction, type TxRow } from './world/rows.ts';
import { createExplicitRows, type ExplicitRowsAdmin } from './explicitRows.ts';
import type { FaultRule } from './faults.ts';
import { SANDBOX_MFA, SANDBOX_PASSWORD } from './items/outcomes.ts';
import { newItem } from './routes/items.ts';
import type { ItemState } from './store.ts';
import type { Account, ConnectorHealthStatus, Item, ItemStatus, Transaction } from './types.ts';
import type { DeliveryView } from './webhooks/deliver.ts';

export type { FaultRule } from './faults.ts';
export type { DeliveryView } from './webhooks/deliver.ts';

export type SandboxAdmin = {
  addFault(rule: FaultRule): string;
  removeFault(id: string): boolean;
  clearFaults(): void;
  requests(): RequestLogEntry[];
  resetRequests(): void;
  createItemNow(input?: {
    connectorId?: number;
    clientUserId?: string;
    webhookUrl?: string;
    user?: string;
  }): Promise<Item>;
  waitForItemStatus(itemId: string, status: ItemStatus, timeoutMs?: number): Promise<Item>;
  truth(itemId: string): { accounts: Account[]; transactionsByAccount: Record<string, Transaction[]> };
  /** Counts and exact sums (decimal strings) per account: what a synced copy must add up to. */
  truthSummary(itemId: string): TruthSummary;
  addTransactions(
    itemId: string,
    opts?: { accountId?: string; count?: number; backdatedDays?: number },
  ): Promise<Transaction[]>;
  postPending(itemId: string, accountId?: string): Promise<string[]>;
  restateCardBill(itemId: string, accountId?: string): Promise<{ deleted: string[]; created: string[] }>;
  deleteTransactions(itemId: string, ids: string[]): Promise<void>;
  requireRelogin(itemId: string): Promise<void>;
  /** The item's next login (PATCH) stops at WAITING_USER_ACTION until resolveUserAction. */
  requireUserAction(itemId: string): Promise<void>;
  /** The user approved (true) or refused (false) the access in the bank's app. */
  resolveUserAction(itemId: string, approve: boolean): Promise<void>;
  revokeConsent(itemId: string): Promise<void>;
  /** The item's consent expires at `at` (ISO; null = never), as a bank-set expiry would. */
  setConsentExpiry(itemId: string, at: string | null): Promise<void>;
  advanceClock(ms: number): Promise<void>;
  /** Switch Pluggy's refresh limits on/off at run time (see refresh-limits.ts); resets the windows. */
  setRefreshLimits(limits: RefreshLimits): void;
  now(): Date;
  setConnectorStatus(connectorId: number, status: ConnectorHealthStatus): Promise<void>;
  deliveries(): DeliveryView[];
  waitForDeliveries(timeoutMs?: number): Promise<void>;
  /** Rows and bills exactly as a test writes them (explicitRows.ts). */
  explicit: ExplicitRowsAdmin;
};

export type AccountSummary = {
  id: string;
  type: string;
  subtype: string;
  /** The account's balance as served, exact (decimal string). */
  balance: string;
  transactions: number;
  posted: number;
  pending: number;
  /** Sum of `amount` over all / posted / pending rows, exact (decimal strings). */
  amountSum: string;
  postedAmountSum: string;
  pendingAmountSum: string;
  /** Earliest and latest transaction date (ISO), null without rows. */
  firstDate: string | null;
  lastDate: string | null;
  /** Closed card bills (cards), 0 for bank accounts. */
  bills: number;
};
export type TruthSummary = {
  itemId: string;
  accounts: AccountSummary[];
  totals: { accounts: number; transactions: number; amountSum: string };
};

/** Integer cents → exact decimal string ('-1234.05'); money never goes through floating point. */
function decimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A scenario call that cannot be honoured (unknown item, wrong account kind…). */
export class ScenarioError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Credentials that log in successfully on any connector of the catalogue. */
function credentialsFor(ctx: SandboxContext, connectorId: number, user: string): Record<string, string> {
  const c = ctx.store.connectors.get(connectorId)!;
  const style = loginStyle(c);
  if (style === 'pluggy-bank' || style === 'mfa-1-step' || (style === 'mfa-2-step' && c.isSandbox)) {
    return { user, password: SANDBOX_PASSWORD, ...(style === 'mfa-1-step' ? { token: SANDBOX_MFA } : {}) };
  }
  const candidates = [
    SANDBOX_PASSWORD,
    '76109277673',
    '11222333000181',
    '0001',
    '12345-6',
    '123456',
    '1234',
    '12345678',
    'user@example.com',
  ];
  const out: Record<string, string> = {};
  for (const cred of c.credentials) {
    const re = cred.validation ? new RegExp(cred.validation) : null;
    out[cred.name] = candidates.find((v) => !re || re.test(v)) ?? SANDBOX_PASSWORD;
  }
  return out;
}

export function createAdmin(ctx: SandboxContext, requestLog: RequestLogEntry[]): SandboxAdmin {
  const { store, executor, notifier, clock, deliverer } = ctx;

  const itemOf = (itemId: string): ItemState => {
    const item = store.items.get(itemId);
    if (!item) throw new ScenarioError(`item ${itemId} not found`, 404);
    return item;
  };
  const worldOf = (itemId: string) => {
    const item = itemOf(itemId);
    if (!item.world) throw new ScenarioError(`item ${itemId} has no data yet (never synced)`);
    return { item, world: item.world };
  };
  const accountOf = (itemId: string, accountId: string | undefined, pick: (a: AccountState) => boolean) => {
    const { item, world } = worldOf(itemId);
    const acct = accountId
      ? world.accounts.find((a) => a.account.id === accountId)
      : world.accounts.find(pick);
    if (!acct)
      throw new ScenarioError(
        accountId ? `account ${accountId} not found in item` : 'no suitable account',
        404,
      );
    return { item, world, acct };
  };
  const withPaymentData = (item: ItemState) => item.products.includes('PAYMENT_DATA');

  const waitForItemStatus = (itemId: string, status: ItemStatus, timeoutMs = 20_000): Promise<Item> =>
    new Promise((resolve, reject) => {
      const current = store.items.get(itemId);
      if (!current) {
        reject(new ScenarioError(`item ${itemId} not found`, 404));
        return;
      }
      if (current.status === status) {
        resolve(store.serializeItem(current));
        return;
      }
      const FINAL: ItemStatus[] = ['UPDATED', 'LOGIN_ERROR', 'OUTDATED'];
      // Already settled elsewhere (the execution ended before the caller started waiting).
      if (!current.running && FINAL.includes(current.status)) {
        reject(
          new ScenarioError(
            `item ${itemId} settled at ${current.status}/${current.executionStatus} while waiting for ${status}`,
          ),
        );
        return;
      }
      const cleanup = () => {
        clearTimeout(timer);
        executor.events.off('change', onChange);
        executor.events.off('settled', onSettled);
      };
      const onChange = (item: ItemState) => {
        if (item.id !== itemId || item.status !== status) return;
        cleanup();
        resolve(store.serializeItem(item));
      };
      // An execution that ends in another final status will not reach the wanted one by itself.
      const onSettled = (item: ItemState) => {
        if (item.id !== itemId || item.status === status || !FINAL.includes(item.status)) return;
        cleanup();
        reject(
          new ScenarioError(
            `item ${itemId} settled at ${item.status}/${item.executionStatus} while waiting for ${status}`,
          ),
        );
      };
      const timer = setTimeout(() => {
        cleanup();
        const item = store.items.get(itemId);
        reject(
          new ScenarioError(
            `item ${itemId} did not reach ${status} within ${timeoutMs} ms (now ${item?.status}/${item?.executionStatus})`,
            408,
          ),
        );
      }, timeoutMs);
      executor.events.on('change', onChange);
      executor.events.on('settled', onSettled);
    });

  const admin: SandboxAdmin = {
    explicit: createExplicitRows(ctx),
    addFault: (rule) => ctx.faults.add(rule),
    removeFault: (id) => ctx.faults.remove(id),
    clearFaults: () => ctx.faults.clear(),
    requests: () => requestLog.slice(),
    resetRequests: () => {
      requestLog.length = 0;
    },

    async createItemNow(input = {}) {
      const connectorId = input.connectorId ?? 2;
      const connector = store.connectors.get(connectorId);
      if (!connector) throw new ScenarioError(`connector ${connectorId} not found`, 404);
      const item = newItem(ctx, {
        connector,
        parameters: credentialsFor(ctx, connectorId, input.user ?? 'user-ok'),
        webhookUrl: input.webhookUrl ?? null,
        clientUserId: input.clientUserId ?? null,
        products: [...connector.products],
        oauthRedirectUri: null,
        connectTokenId: null,
      });
      await executor.start(item, { kind: 'create', triggeredBy: 'CLIENT', instant: true });
      return store.serializeItem(item);
    },

    waitForItemStatus,

    truth(itemId) {
      const item = itemOf(itemId);
      const accounts = item.world?.accounts ?? [];
      const transactionsByAccount: Record<string, Transaction[]> = {};
      for (const a of accounts) {
        transactionsByAccount[a.account.id] = a.rows.map((r) => toTransaction(r, withPaymentData(item)));
      }
      return { accounts: accounts.map((a) => structuredClone(a.account)), transactionsByAccount };
    },

    truthSummary(itemId) {
      const item = itemOf(itemId);
      const accounts = (item.world?.accounts ?? []).map((a): AccountSummary => {
        let all = 0;
        let posted = 0;
        let postedCount = 0;
        for (const r of a.rows) {
          all += r.amount;
          if (r.status === 'POSTED') {
            posted += r.amount;
            postedCount += 1;
          }
        }
        const first = a.rows[0];
        const last = a.rows[a.rows.length - 1];
        return {
          id: a.account.id,
          type: a.account.type,
          subtype: a.account.subtype,
          balance: decimal(Math.round(a.account.balance * 100)),
          transactions: a.rows.length,
          posted: postedCount,
          pending: a.rows.length - postedCount,
          amountSum: decimal(all),
          postedAmountSum: decimal(posted),
          pendingAmountSum: decimal(all - posted),
          firstDate: first ? iso(first.date) : null,
          lastDate: last ? iso(last.date) : null,
          bills: a.bills.length,
        };
      });
      let total = 0;
      for (const a of item.world?.accounts ?? []) for (const r of a.rows) total += r.amount;
      return {
        itemId: item.id,
        accounts,
        totals: {
          accounts: accounts.length,
          transactions: accounts.reduce((n, a) => n + a.transactions, 0),
          amountSum: decimal(total),
        },
      };
    },

    async addTransactions(itemId, opts = {}) {
      const { item, world, acct } = accountOf(itemId, opts.accountId, (a) => a.kind === 'checking');
      const count = Math.max(1, opts.count ?? 3);
      const now = clock.nowMs();
      const today = dayStart(now);
      const back = Math.max(0, opts.backdatedDays ?? 0);
      // With backdatedDays, every other row is dated 1..backdatedDays days ago: it arrives now
      // (createdAt = now) but belongs to an earlier date — the case createdAtFrom exists for.
      const dates = Array.from({ length: count }, (_, i) =>
        back > 0 && i % 2 === 1 ? today - (((i >> 1) % back) + 1) * DAY_MS : today,
      );
      const rows = newRows(world, acct, dates, now, now);
      store.insertRows(acct, rows);
      refreshBalance(acct, now);
      notifier.rowsCreated(item, acct.account.id, rows, now);
      return rows.map((r) => toTransaction(r, withPaymentData(item)));
    },

    async postPending(itemId, accountId) {
      const { item, world } = worldOf(itemId);
      const now = clock.nowMs();
      const accounts = accountId ? [accountOf(itemId, accountId, () => true).acct] : world.accounts;
      const all: string[] = [];
      for (const acct of accounts) {
        const ids: string[] = [];
        for (const r of acct.rows) {
          if (r.status !== 'PENDING') continue;
          // Posted in place: same id, new updatedAt (docs/pluggy.md#restatements-and-deletions).
          r.status = 'POSTED';
          r.updatedAt = now;
          ids.push(r.id);
        }
        if (ids.length) {
          acct.account.updatedAt = iso(now);
          notifier.transactionIds(item, 'transactions/updated', acct.account.id, ids);
          all.push(...ids);
        }
      }
      return all;
    },

    async restateCardBill(itemId, accountId) {
      const { item, world, acct } = accountOf(itemId, accountId, (a) => a.kind === 'card');
      if (acct.kind !== 'card') throw new ScenarioError('restateCardBill needs a credit card account');
      // The latest closed bill's rows; a card without closed bills restates its open cycle.
      const bill = acct.bills[acct.bills.length - 1];
      let old = bill ? acct.rows.filter((r) => r.cc?.billId === bill.id) : [];
      if (old.length === 0) old = acct.rows.filter((r) => r.status === 'PENDING');
      if (old.length === 0) throw new ScenarioError('the card has no rows to restate');
      const now = clock.nowMs();
      const deleted = store.removeRows(acct, new Set(old.map((r) => r.id)));
      // The institution re-sends the same purchases under new keys: Pluggy deletes and re-creates
      // them with NEW ids and createdAt = now; nothing links old and new
      // (docs/pluggy.md#restatements-and-deletions).
      const fresh: TxRow[] = old.map((r) => ({
        ...r,
        id: world.live.uuid(),
        createdAt: now,
        updatedAt: now,
        cc: r.cc ? { ...r.cc } : null,
      }));
      store.insertRows(acct, fresh);
      refreshBalance(acct, now);
      notifier.transactionIds(item, 'transactions/deleted', acct.account.id, deleted);
      notifier.rowsCreated(item, acct.account.id, fresh, now);
      return { deleted, created: fresh.map((r) => r.id) };
    },

    async deleteTransactions(itemId, ids) {
      const { item, world } = worldOf(itemId);
      const wanted = new Set(ids);
      const now = clock.nowMs();
      for (const acct of world.accounts) {
        const gone = acct.rows.filter((r) => wanted.has(r.id));
        if (gone.length === 0) continue;
        const removed = store.removeRows(acct, wanted);
        if (acct.kind !== 'card') for (const r of gone) acct.balance -= r.amount;
        refreshBalance(acct, now);
        notifier.transactionIds(item, 'transactions/deleted', acct.account.id, removed);
      }
    },

    async requireRelogin(itemId) {
      const item = itemOf(itemId);
      executor.cancel(item);
      const now = clock.nowMs();
      // The user changed the password at the bank: the next login with stored credentials fails,
      // and keeps failing until new parameters arrive (PATCH /items/{id} with parameters).
      item.credentialsInvalid = true;
      const error = { code: 'INVALID_CREDENTIALS', message: 'Invalid credentials' };
      executor.touch(item, {
        status: 'LOGIN_ERROR',
        executionStatus: 'INVALID_CREDENTIALS',
        error,
        statusDetail: null,
        parameter: null,
        consecutiveFailedLoginAttempts: item.consecutiveFailedLoginAttempts + 1,
        nextAutoSyncAt: null,
        lastExecutionEndedAt: now,
      });
      notifier.item(item, 'item/error', 'SYNC', error);
    },

    async requireUserAction(itemId) {
      itemOf(itemId).userActionNext = true;
    },

    async resolveUserAction(itemId, approve) {
      const item = itemOf(itemId);
      if (!executor.resolveUserAction(item, approve ? 'approved' : 'denied')) {
        throw new ScenarioError(`item ${itemId} is not waiting for a user action (${item.status})`, 409);
      }
    },

    async setConsentExpiry(itemId, at) {
      const { item } = worldOf(itemId);
      if (at !== null && Number.isNaN(Date.parse(at)))
        throw new ScenarioError('at must be an ISO date or null');
      if (!item.consent) executor.newConsent(item, clock.nowMs());
      item.consent!.expiresAt = at === null ? null : iso(Date.parse(at));
      executor.touch(item, {});
    },

    async revokeConsent(itemId) {
      const { item } = worldOf(itemId);
      executor.cancel(item);
      const now = clock.nowMs();
      if (!item.consent) executor.newConsent(item, now);
      item.consent!.revokedAt = iso(now);
      // No CONSENT_REVOKED execution status exists (docs/pluggy.md#item-statuses);
      // USER_AUTHORIZATION_NOT_GRANTED is the closest code the SDK knows. (unverified) Pluggy's exact status
      // after a revocation.
      const error = {
        code: 'USER_AUTHORIZATION_NOT_GRANTED',
        message: 'The consent was revoked by the user at the institution',
      };
      executor.touch(item, {
        status: 'LOGIN_ERROR',
        executionStatus: 'USER_AUTHORIZATION_NOT_GRANTED',
        error,
        statusDetail: null,
        nextAutoSyncAt: null,
        lastExecutionEndedAt: now,
      });
      notifier.item(item, 'item/error', 'USER', error);
    },

    async advanceClock(ms) {
      if (!(ms >= 0)) throw new ScenarioError('advanceClock needs a non-negative number of ms');
      const target = clock.nowMs() + ms;
      // Run each due auto-sync at its own moment, in order, so a multi-day jump syncs once per day.
      for (let guard = 0; guard < 100_000; guard++) {
        const next = executor.dueAutoSyncs(target)[0];
        if (!next) break;
        clock.advanceTo(next.nextAutoSyncAt!);
        await executor.start(next, { kind: 'auto', triggeredBy: 'SYNC', instant: true });
      }
      clock.advanceTo(target);
      executor.clockAdvanced();
      deliverer.clockAdvanced();
    },

    now: () => clock.now(),

    setRefreshLimits(limits) {
      try {
        ctx.refreshLimits.set(limits);
      } catch (err) {
        throw new ScenarioError((err as Error).message);
      }
    },

    async setConnectorStatus(connectorId, status) {
      const c = store.connectors.get(connectorId);
      if (!c) throw new ScenarioError(`connector ${connectorId} not found`, 404);
      if (!['ONLINE', 'UNSTABLE', 'OFFLINE'].includes(status))
        throw new ScenarioError(`bad status ${status}`);
      if (c.health.status === status) return;
      c.health.status = status;
      c.updatedAt = iso(clock.nowMs());
      notifier.connectorStatus(c);
    },

    deliveries: () => deliverer.list(),
    waitForDeliveries: (timeoutMs) =>
      deliverer.waitIdle(timeoutMs).catch((err: Error) => {
        throw new ScenarioError(err.message, 408);
      }),
  };
  return admin;
}
