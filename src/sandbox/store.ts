/**
 * Everything the sandbox holds, in memory, with the indexes the routes need (by item, account,
 * transaction, bill, investment, loan, consent, webhook id). Serialisation to Pluggy's JSON lives
 * here too, so every route and admin call shows the same shapes.
 */
import { iso } from './clock.ts';
import { buildCategories } from './world/categories.ts';
import { buildConnectors } from './world/connectors.ts';
import type { AccountState, World } from './world/model.ts';
import { compareRows, type TxRow } from './world/rows.ts';
import { Rng } from './random.ts';
import type {
  Bill,
  Category,
  Connector,
  ConnectorCredential,
  Consent,
  Item,
  ItemError,
  ItemStatus,
  JsonObject,
  ProductType,
  StatusDetail,
  Webhook,
} from './types.ts';

export type TriggeredBy = 'USER' | 'CLIENT' | 'SYNC' | 'INTERNAL';

export type ItemState = {
  id: string;
  ordinal: number;
  connector: Connector;
  createdAt: number;
  updatedAt: number;
  status: ItemStatus;
  executionStatus: string;
  lastUpdatedAt: number | null;
  webhookUrl: string | null;
  clientUserId: string | null;
  error: ItemError | null;
  consecutiveFailedLoginAttempts: number;
  statusDetail: StatusDetail | null;
  parameter: ConnectorCredential | null;
  userAction: Item['userAction'];
  nextAutoSyncAt: number | null;
  autoSyncDisabledAt: number | null;
  products: ProductType[];
  oauthRedirectUri: string | null;
  // Not served:
  /** Credentials as given (the sandbox is not a vault; it only needs them to decide outcomes). */
  parameters: Record<string, string>;
  /** Connect token (jti) the item was created with; that token may read it. */
  connectTokenId: string | null;
  /** admin.requireRelogin: stored credentials stop working until new parameters arrive. */
  credentialsInvalid: boolean;
  /** admin.requireUserAction: the next login stops at WAITING_USER_ACTION. */
  userActionNext: boolean;
  /** An execution is running (UPDATING / WAITING_USER_INPUT). */
  running: boolean;
  lastExecutionEndedAt: number | null;
  world: World | null;
  consent: Consent | null;
  deleted: boolean;
};

export type WebhookState = {
  id: string;
  event: string;
  url: string;
  headers: Record<string, string> | null;
  createdAt: number;
  updatedAt: number;
  disabledAt: number | null;
};

type AccountRef = { item: ItemState; acct: AccountState };

export class Store {
  readonly connectors: Map<number, Connector> = buildConnectors();
  readonly categories: Map<string, Category> = buildCategories();
  readonly items = new Map<string, ItemState>();
  readonly accounts = new Map<string, AccountRef>();
  /** Row by id; its account (and item) through `accounts.get(row.accountId)` — one pointer per row. */
  readonly transactions = new Map<string, TxRow>();
  readonly bills = new Map<string, AccountRef & { bill: Bill }>();
  readonly investments = new Map<string, { item: ItemState; inv: JsonObject }>();
  readonly loans = new Map<string, { item: ItemState; loan: JsonObject }>();
  readonly identities = new Map<string, { item: ItemState; identity: JsonObject }>();
  readonly consents = new Map<string, { item: ItemState; consent: Consent }>();
  readonly webhooks = new Map<string, WebhookState>();
  /** Ids that are not part of an item's world (webhooks, consents, event ids). */
  readonly ids: Rng;
  private ordinal = 0;

  constructor(readonly seed: number) {
    this.ids = Rng.derive(seed, 'misc-ids');
  }

  /** The last item ordinal given out (sandbox state files). */
  lastOrdinal(): number {
    return this.ordinal;
  }

  restoreOrdinal(ordinal: number): void {
    this.ordinal = Math.max(this.ordinal, ordinal);
  }

  nextItemOrdinal(): { ordinal: number; id: string } {
    this.ordinal += 1;
    return { ordinal: this.ordinal, id: Rng.derive(this.seed, 'item', this.ordinal).uuid() };
  }

  /** Register a freshly generated world in the indexes. */
  indexWorld(item: ItemState): void {
    const w = item.world;
    if (!w) return;
    for (const acct of w.accounts) {
      this.accounts.set(acct.account.id, { item, acct });
      for (const row of acct.rows) this.transactions.set(row.id, row);
      for (const bill of acct.bills) this.bills.set(bill.id, { item, acct, bill });
    }
    for (const inv of w.investments) this.investments.set(inv.id, { item, inv });
    for (const loan of w.loans) this.loans.set(loan.id, { item, loan });
    if (w.identity) this.identities.set(w.identity.id, { item, identity: w.identity });
  }

  /** Forget an item and everything it holds (DELETE /items/{id}). */
  removeItem(item: ItemState): void {
    item.deleted = true;
    this.items.delete(item.id);
    const w = item.world;
    if (w) {
      for (const acct of w.accounts) {
        this.accounts.delete(acct.account.id);
        for (const row of acct.rows) this.transactions.delete(row.id);
        for (const bill of acct.bills) this.bills.delete(bill.id);
      }
      for (const inv of w.investments) this.investments.delete(inv.id);
      for (const loan of w.loans) this.loans.delete(loan.id);
      if (w.identity) this.identities.delete(w.identity.id);
    }
    if (item.consent) this.consents.delete(item.consent.id);
  }

  /** Insert rows into an account keeping the cursor order, and index them. */
  insertRows(acct: AccountState, rows: TxRow[]): void {
    const list = acct.rows;
    for (const row of rows) {
      // Binary search for the first position whose key is greater than the row's.
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareRows(list[mid]!, row) <= 0) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, row);
      this.transactions.set(row.id, row);
    }
  }

  /** Remove rows by id from one account; returns the ids actually removed. */
  removeRows(acct: AccountState, ids: Set<string>): string[] {
    const removed: string[] = [];
    acct.rows = acct.rows.filter((r) => {
      if (!ids.has(r.id)) return true;
      removed.push(r.id);
      this.transactions.delete(r.id);
      return false;
    });
    return removed;
  }

  /** A transaction with its account and item. */
  findTransaction(id: string): (AccountRef & { row: TxRow }) | null {
    const row = this.transactions.get(id);
    const ref = row ? this.accounts.get(row.accountId) : undefined;
    return row && ref ? { ...ref, row } : null;
  }

  /**
   * Data endpoints of an item answer empty once its consent is revoked
   * (docs/pluggy.md#open-finance-and-consents).
   */
  dataVisible(item: ItemState): boolean {
    return !item.deleted && item.world !== null && !item.consent?.revokedAt;
  }

  serializeItem(item: ItemState): Item {
    return {
      id: item.id,
      connector: item.connector,
      createdAt: iso(item.createdAt),
      updatedAt: iso(item.updatedAt),
      status: item.status,
      executionStatus: item.executionStatus,
      lastUpdatedAt: item.lastUpdatedAt === null ? null : iso(item.lastUpdatedAt),
      webhookUrl: item.webhookUrl,
      error: item.error,
      clientUserId: item.clientUserId,
      consecutiveFailedLoginAttempts: item.consecutiveFailedLoginAttempts,
      statusDetail: item.statusDetail,
      parameter: item.parameter,
      userAction: item.userAction,
      nextAutoSyncAt: item.nextAutoSyncAt === null ? null : iso(item.nextAutoSyncAt),
      autoSyncDisabledAt: item.autoSyncDisabledAt === null ? null : iso(item.autoSyncDisabledAt),
      consentExpiresAt: item.consent?.expiresAt ?? null,
      products: item.products,
      oauthRedirectUri: item.oauthRedirectUri,
    };
  }

  serializeWebhook(w: WebhookState): Webhook {
    // `headers` is write-only: neither the SDK type nor the docs show it echoed
    // (docs/pluggy.md#registering-webhooks).
    return {
      id: w.id,
      event: w.event,
      url: w.url,
      createdAt: iso(w.createdAt),
      updatedAt: iso(w.updatedAt),
      disabledAt: w.disabledAt === null ? null : iso(w.disabledAt),
    };
  }
}
