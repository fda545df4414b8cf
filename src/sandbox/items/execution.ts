/**
 * The item status machine (docs/pluggy.md#item-statuses, #execution-lifecycle, #updates-and-auto-sync). An
 * execution (create, client PATCH or auto-sync) runs asynchronously in steps `stepDelayMs` apart:
 *
 *   UPDATING/CREATED → LOGIN_IN_PROGRESS → [WAITING_USER_INPUT → LOGIN_MFA_IN_PROGRESS]
 *     → (login fails) LOGIN_ERROR or OUTDATED + item/error
 *     → (login ok) item/login_succeeded → one *_IN_PROGRESS step per requested product
 *     → UPDATED/SUCCESS|PARTIAL_SUCCESS + item/created (first run) or item/updated
 *       (+ transactions/created for rows that arrived since the previous sync)
 *
 * "Instant" runs skip the delays (admin.createItemNow, auto-syncs fired by admin.advanceClock).
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { type Clock, DAY_MS, dayStart, HOUR_MS, iso } from '../clock.ts';
import { loginStyle, MFA_TOKEN_CREDENTIAL } from '../world/connectors.ts';
import { refreshBalance } from '../world/accounts.ts';
import { newRows } from '../world/activity.ts';
import { generateWorld } from '../world/generate.ts';
import type { AccountState, WorldSize } from '../world/model.ts';
import type { TxRow } from '../world/rows.ts';
import type { ItemState, Store, TriggeredBy } from '../store.ts';
import type { ProductType, StatusDetail } from '../types.ts';
import type { Notifier } from '../webhooks/events.ts';
import type { ConsentDecision, ConsentSessions } from '../mockbank/sessions.ts';
import {
  type Failure,
  failure,
  loginOutcome,
  needsMultipleApproval,
  type Outcome,
  SANDBOX_MFA,
  type Success,
} from './outcomes.ts';

type Trigger = {
  kind: 'create' | 'update' | 'auto';
  triggeredBy: TriggeredBy;
  instant?: boolean;
  /** MFA answer used by instant runs of 2-step connectors. */
  mfa?: string;
};

const AUTO_SYNC_EVERY_MS = 24 * HOUR_MS;
/** How long a WAITING_USER_INPUT prompt stays open (sandbox clock). (unverified) Pluggy's value. */
const MFA_TIMEOUT_MS = 5 * 60_000;
/** How long an Open Finance consent page waits for the user. (unverified) Pluggy's value. */
export const CONSENT_TIMEOUT_MS = 10 * 60_000;

const PRODUCT_STEPS: [ProductType, string][] = [
  ['ACCOUNTS', 'ACCOUNTS_IN_PROGRESS'],
  ['CREDIT_CARDS', 'CREDITCARDS_IN_PROGRESS'],
  ['TRANSACTIONS', 'TRANSACTIONS_IN_PROGRESS'],
  ['PAYMENT_DATA', 'PAYMENT_DATA_IN_PROGRESS'],
  ['INVESTMENTS', 'INVESTMENTS_IN_PROGRESS'],
  ['INVESTMENTS_TRANSACTIONS', 'INVESTMENTS_TRANSACTIONS_IN_PROGRESS'],
  ['IDENTITY', 'IDENTITY_IN_PROGRESS'],
  ['LOANS', 'LOANS_IN_PROGRESS'],
];

const DETAIL_KEYS: [keyof StatusDetail, ProductType][] = [
  ['accounts', 'ACCOUNTS'],
  ['creditCards', 'CREDIT_CARDS'],
  ['transactions', 'TRANSACTIONS'],
  ['investments', 'INVESTMENTS'],
  ['investmentTransactions', 'INVESTMENTS_TRANSACTIONS'],
  ['identity', 'IDENTITY'],
  ['paymentData', 'PAYMENT_DATA'],
  ['loans', 'LOANS'],
  ['accountStatements', 'ACCOUNT_STATEMENTS'],
];

class Cancelled extends Error {}

type Run = {
  cancelled: boolean;
  timer: NodeJS.Timeout | null;
  wake: (() => void) | null;
  mfa: ((answer: string | null) => void) | null;
  mfaDeadline: number;
};

type ExecutorDeps = {
  store: Store;
  clock: Clock;
  notifier: Notifier;
  logger: Logger;
  seed: number;
  size: WorldSize;
  stepDelayMs: number;
  consents: ConsentSessions;
  /** The sandbox's base URL (consent pages live on it). */
  baseUrl: () => string;
};

export class Executor {
  /** 'change' (item) on every status change; 'settled' (item) when an execution ends. */
  readonly events = new EventEmitter();
  private readonly runs = new Map<string, Run>();

  constructor(private readonly d: ExecutorDeps) {
    this.events.setMaxListeners(0);
  }

  isRunning(item: ItemState): boolean {
    return this.runs.has(item.id);
  }

  autoSyncable(item: ItemState): boolean {
    const style = loginStyle(item.connector);
    // Connectors that need a fresh MFA on every login are never auto-synced
    // (docs/pluggy.md#updates-and-auto-sync).
    return item.autoSyncDisabledAt === null && style !== 'mfa-1-step' && style !== 'mfa-2-step';
  }

  /** Change an item (and its updatedAt) and tell waiters. */
  touch(item: ItemState, patch: Partial<ItemState>): void {
    Object.assign(item, patch, { updatedAt: this.d.clock.nowMs() });
    this.events.emit('change', item);
  }

  /** Start an execution; the returned promise settles when it ends (routes do not await it). */
  start(item: ItemState, trigger: Trigger): Promise<void> {
    const run: Run = { cancelled: false, timer: null, wake: null, mfa: null, mfaDeadline: 0 };
    this.runs.set(item.id, run);
    item.running = true;
    this.touch(item, {
      status: 'UPDATING',
      executionStatus: 'CREATED',
      error: null,
      parameter: null,
      userAction: null,
    });
    return this.execute(item, trigger, run)
      .catch((err: unknown) => {
        if (err instanceof Cancelled) return;
        this.d.logger.error({ err, itemId: item.id }, 'sandbox execution crashed');
        if (!item.deleted) this.finishFailure(item, trigger, failure('UNEXPECTED_ERROR'));
      })
      .finally(() => {
        if (this.runs.get(item.id) === run) this.runs.delete(item.id);
        item.running = false;
        if (!run.cancelled) this.events.emit('settled', item);
      });
  }

  private step(run: Run, trigger: Trigger): Promise<void> {
    if (run.cancelled) return Promise.reject(new Cancelled());
    if (trigger.instant || this.d.stepDelayMs <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      run.wake = () => reject(new Cancelled());
      run.timer = setTimeout(() => {
        run.timer = null;
        run.wake = null;
        if (run.cancelled) reject(new Cancelled());
        else resolve();
      }, this.d.stepDelayMs);
    });
  }

  private async execute(item: ItemState, trigger: Trigger, run: Run): Promise<void> {
    await this.step(run, trigger);
    this.touch(item, { executionStatus: 'LOGIN_IN_PROGRESS' });
    await this.step(run, trigger);

    const style = loginStyle(item.connector);
    // An institution that went OFFLINE while the item was queued (auto-sync) cannot be reached.
    if (item.connector.health.status === 'OFFLINE') {
      return this.finishFailure(item, trigger, failure('SITE_NOT_AVAILABLE'));
    }
    let outcome: Outcome = item.credentialsInvalid
      ? failure('INVALID_CREDENTIALS')
      : loginOutcome(item.connector, item.parameters);
    // Wrong user/password fails before any MFA prompt.
    if (outcome.kind === 'failure' && outcome.code === 'INVALID_CREDENTIALS') {
      return this.finishFailure(item, trigger, outcome);
    }
    if (style === 'mfa-1-step' && item.parameters.token !== SANDBOX_MFA) {
      outcome = failure('INVALID_CREDENTIALS_MFA');
    }
    // A 1-step MFA value is good for one login only: the next PATCH must bring a fresh one.
    if (style === 'mfa-1-step') delete item.parameters.token;

    if (style === 'open-finance' && this.needsConsent(item, trigger)) {
      const decision = await this.askConsent(item, trigger, run);
      if (decision === null) return this.finishFailure(item, trigger, failure('USER_INPUT_TIMEOUT'));
      if (decision === 'denied') {
        return this.finishFailure(item, trigger, failure('USER_AUTHORIZATION_NOT_GRANTED'));
      }
      this.touch(item, { status: 'UPDATING', executionStatus: 'LOGIN_IN_PROGRESS', parameter: null });
      await this.step(run, trigger);
    }

    if (style === 'mfa-2-step') {
      const expiresAt = this.d.clock.nowMs() + MFA_TIMEOUT_MS;
      this.touch(item, {
        status: 'WAITING_USER_INPUT',
        executionStatus: 'WAITING_USER_INPUT',
        parameter: { ...MFA_TOKEN_CREDENTIAL, expiresAt: iso(expiresAt) },
      });
      this.d.notifier.item(item, 'item/waiting_user_input', trigger.triggeredBy);
      const answer = trigger.instant ? (trigger.mfa ?? SANDBOX_MFA) : await this.waitMfa(run, expiresAt);
      if (answer === null) return this.finishFailure(item, trigger, failure('USER_INPUT_TIMEOUT'));
      this.touch(item, { status: 'UPDATING', executionStatus: 'LOGIN_MFA_IN_PROGRESS', parameter: null });
      await this.step(run, trigger);
      if (answer !== SANDBOX_MFA) outcome = failure('INVALID_CREDENTIALS_MFA');
    }

    if (outcome.kind === 'failure') return this.finishFailure(item, trigger, outcome);
    if ((outcome.userAction || item.userActionNext) && !trigger.instant && trigger.kind !== 'auto') {
      item.userActionNext = false;
      const decision = await this.askUserAction(item, trigger, run);
      if (decision === null) return this.finishFailure(item, trigger, failure('USER_ACTION_TIMEOUT'));
      if (decision === 'denied') {
        return this.finishFailure(item, trigger, failure('USER_AUTHORIZATION_NOT_GRANTED'));
      }
      this.touch(item, { status: 'UPDATING', executionStatus: 'LOGIN_IN_PROGRESS', userAction: null });
      await this.step(run, trigger);
    }
    this.d.notifier.item(item, 'item/login_succeeded', trigger.triggeredBy);

    for (const [product, status] of PRODUCT_STEPS) {
      if (!item.products.includes(product)) continue;
      this.touch(item, { executionStatus: status });
      await this.step(run, trigger);
    }
    this.finishSuccess(item, trigger, outcome);
  }

  private waitMfa(run: Run, deadline: number, realTimeoutMs = MFA_TIMEOUT_MS): Promise<string | null> {
    run.mfaDeadline = deadline;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(null), realTimeoutMs);
      const settle = (answer: string | null) => {
        clearTimeout(timer);
        run.mfa = null;
        run.wake = null;
        resolve(answer);
      };
      run.mfa = settle;
      run.wake = () => {
        clearTimeout(timer);
        reject(new Cancelled());
      };
    });
  }

  /**
   * An Open Finance login needs the user's consent at the institution when the item has none (first
   * connection, or after a revocation). Auto-syncs never ask: nobody is there to answer; instant runs
   * (admin.createItemNow, advanceClock) consent on the user's behalf.
   */
  private needsConsent(item: ItemState, trigger: Trigger): boolean {
    if (trigger.instant || trigger.kind === 'auto') return false;
    return !item.consent || item.consent.revokedAt !== null;
  }

  /**
   * WAITING_USER_INPUT with an `oauth` parameter whose `data` is the consent page's URL
   * (docs/pluggy.md#open-finance-and-consents; shape unverified), until the page brings a decision or the
   * prompt expires (null).
   */
  private async askConsent(item: ItemState, trigger: Trigger, run: Run): Promise<ConsentDecision | null> {
    const expiresAt = this.d.clock.nowMs() + CONSENT_TIMEOUT_MS;
    let settle: ((answer: string | null) => void) | null = null;
    const session = this.d.consents.open({
      itemId: item.id,
      connectorName: item.connector.name,
      redirectUri: item.oauthRedirectUri,
      multipleApproval: needsMultipleApproval(item.parameters),
      expiresAt,
      decide: (decision) => settle?.(decision),
    });
    this.touch(item, {
      status: 'WAITING_USER_INPUT',
      executionStatus: 'WAITING_USER_INPUT',
      parameter: {
        name: 'oauth_code',
        label: `Autorize o acesso em ${item.connector.name}`,
        type: 'oauth',
        instructions: 'Abra o link, entre no seu banco e autorize o compartilhamento dos dados.',
        data: `${this.d.baseUrl()}/mockbank/consent/${session.id}`,
        expiresAt: iso(expiresAt),
      },
    });
    this.d.notifier.item(item, 'item/waiting_user_input', trigger.triggeredBy);
    const wait = this.waitMfa(run, expiresAt, CONSENT_TIMEOUT_MS);
    settle = run.mfa;
    try {
      const answer = await wait;
      return answer === 'approved' || answer === 'denied' ? answer : null;
    } finally {
      this.d.consents.close(session.id);
    }
  }

  /**
   * WAITING_USER_ACTION with `userAction` (docs/pluggy.md#item-object) and item/waiting_user_action, until
   * admin.resolveUserAction answers (the user approved or refused in the bank's app) or it expires.
   */
  private async askUserAction(item: ItemState, trigger: Trigger, run: Run): Promise<ConsentDecision | null> {
    const expiresAt = this.d.clock.nowMs() + CONSENT_TIMEOUT_MS;
    this.touch(item, {
      status: 'WAITING_USER_ACTION',
      executionStatus: 'WAITING_USER_ACTION',
      userAction: {
        instructions: `Abra o aplicativo de ${item.connector.name} e autorize o acesso da Pluggy.`,
        type: 'authorize-access',
        attributes: { channel: 'APP' },
        expiresAt: iso(expiresAt),
      },
    });
    this.d.notifier.item(item, 'item/waiting_user_action', trigger.triggeredBy);
    const answer = await this.waitMfa(run, expiresAt, CONSENT_TIMEOUT_MS);
    return answer === 'approved' || answer === 'denied' ? answer : null;
  }

  /** admin.resolveUserAction: false when the item is not waiting for a user action. */
  resolveUserAction(item: ItemState, decision: ConsentDecision): boolean {
    const run = this.runs.get(item.id);
    if (!run?.mfa || item.status !== 'WAITING_USER_ACTION') return false;
    run.mfa(decision);
    return true;
  }

  /** POST /items/{id}/mfa: false when the item is not waiting for input. */
  submitMfa(item: ItemState, answer: string): boolean {
    const run = this.runs.get(item.id);
    if (!run?.mfa) return false;
    // An Open Finance consent is given at the institution's page, not through /mfa.
    if (item.parameter?.type === 'oauth' || item.status === 'WAITING_USER_ACTION') return false;
    // Answer at once with the state the execution moves to, as Pluggy's response does.
    this.touch(item, { status: 'UPDATING', executionStatus: 'LOGIN_MFA_IN_PROGRESS', parameter: null });
    run.mfa(answer);
    return true;
  }

  /** Items whose auto-sync is due at `at` (sandbox clock), soonest first. */
  dueAutoSyncs(at: number): ItemState[] {
    return [...this.d.store.items.values()]
      .filter((i) => i.nextAutoSyncAt !== null && i.nextAutoSyncAt <= at && !this.runs.has(i.id))
      .sort((a, b) => a.nextAutoSyncAt! - b.nextAutoSyncAt!);
  }

  /** The sandbox clock moved: expire MFA prompts whose deadline passed. */
  clockAdvanced(): void {
    const now = this.d.clock.nowMs();
    for (const run of this.runs.values()) {
      if (run.mfa && run.mfaDeadline <= now) run.mfa(null);
    }
  }

  cancel(item: ItemState): void {
    const run = this.runs.get(item.id);
    if (!run) return;
    run.cancelled = true;
    if (run.timer) clearTimeout(run.timer);
    run.wake?.();
    this.runs.delete(item.id);
    item.running = false;
  }

  cancelAll(): void {
    for (const item of [...this.runs.keys()]) {
      const state = this.d.store.items.get(item);
      if (state) this.cancel(state);
    }
  }

  private statusDetail(item: ItemState, outcome: Success, now: number): StatusDetail | null {
    // null on a plain SUCCESS; an object on PARTIAL_SUCCESS or when warnings exist
    // (docs/pluggy.md#per-product-state).
    if (!outcome.skipBankAccounts && !outcome.warning) return null;
    const at = iso(now);
    const detail = {} as StatusDetail;
    for (const [key, product] of DETAIL_KEYS) {
      if (!item.products.includes(product)) {
        detail[key] = null;
      } else if (key === 'accounts' && outcome.skipBankAccounts) {
        detail[key] = { isUpdated: false, lastUpdatedAt: null, warnings: [] };
      } else if (key === 'transactions' && outcome.warning) {
        detail[key] = {
          isUpdated: true,
          lastUpdatedAt: at,
          warnings: [
            {
              code: '001',
              message: 'Some transactions could not be collected: permission not granted',
              providerMessage: 'Permissão de transações não concedida no consentimento.',
            },
          ],
        };
      } else {
        detail[key] = { isUpdated: true, lastUpdatedAt: at, warnings: [] };
      }
    }
    return detail;
  }

  private finishSuccess(item: ItemState, trigger: Trigger, outcome: Success): void {
    const { store, clock, notifier } = this.d;
    const now = clock.nowMs();
    let arrived: { acct: AccountState; rows: TxRow[] }[] = [];
    if (!item.world) {
      item.world = generateWorld({
        seed: this.d.seed,
        ordinal: item.ordinal,
        itemId: item.id,
        connector: item.connector,
        products: item.products,
        size: this.d.size,
        nowMs: now,
        checkingAccounts: outcome.checkingAccounts,
        volumeMultiplier: outcome.volumeMultiplier,
        skipBankAccounts: outcome.skipBankAccounts,
      });
      store.indexWorld(item);
    } else {
      arrived = this.dailyActivity(item, now);
    }
    if (!item.consent || item.consent.revokedAt) this.newConsent(item, now);
    this.touch(item, {
      status: 'UPDATED',
      executionStatus: outcome.skipBankAccounts ? 'PARTIAL_SUCCESS' : 'SUCCESS',
      error: null,
      lastUpdatedAt: now,
      consecutiveFailedLoginAttempts: 0,
      credentialsInvalid: false,
      parameter: null,
      userAction: null,
      statusDetail: this.statusDetail(item, outcome, now),
      nextAutoSyncAt: this.autoSyncable(item) ? now + AUTO_SYNC_EVERY_MS : null,
      lastExecutionEndedAt: now,
    });
    notifier.item(item, trigger.kind === 'create' ? 'item/created' : 'item/updated', trigger.triggeredBy);
    this.d.logger.debug(
      { itemId: item.id, trigger: trigger.kind, newRows: arrived.reduce((n, a) => n + a.rows.length, 0) },
      'sandbox item synced',
    );
    for (const { acct, rows } of arrived) notifier.rowsCreated(item, acct.account.id, rows, now);
  }

  private finishFailure(item: ItemState, trigger: Trigger, f: Failure): void {
    const now = this.d.clock.nowMs();
    const loginError = f.status === 'LOGIN_ERROR';
    const error = {
      code: f.code,
      message: f.message,
      ...(f.providerMessage ? { providerMessage: f.providerMessage } : {}),
      ...(f.attributes ? { attributes: f.attributes } : {}),
    };
    this.touch(item, {
      status: f.status,
      executionStatus: f.code,
      error,
      statusDetail: null,
      consecutiveFailedLoginAttempts: item.consecutiveFailedLoginAttempts + (loginError ? 1 : 0),
      // A LOGIN_ERROR item waits for new credentials; an OUTDATED one is retried by auto-sync.
      nextAutoSyncAt: !loginError && this.autoSyncable(item) ? now + AUTO_SYNC_EVERY_MS : null,
      lastExecutionEndedAt: now,
    });
    this.d.logger.debug(
      { itemId: item.id, trigger: trigger.kind, code: f.code },
      'sandbox item execution failed',
    );
    // The item/error payload names the credential involved while the prompt is still known.
    this.d.notifier.item(item, 'item/error', trigger.triggeredBy, error);
    if (item.parameter || item.userAction) this.touch(item, { parameter: null, userAction: null });
  }

  newConsent(item: ItemState, now: number): void {
    const { store } = this.d;
    if (item.consent) store.consents.delete(item.consent.id);
    const consent = {
      id: store.ids.uuid(),
      itemId: item.id,
      products: item.products,
      openFinancePermissionsGranted: item.connector.isOpenFinance
        ? ['REGISTRATION_ALL', 'ACCOUNTS_ALL', 'CREDIT_CARDS_ALL', 'CREDIT_OPERATIONS_ALL', 'INVESTMENTS_ALL']
        : [],
      createdAt: iso(now),
      expiresAt: null,
      revokedAt: null,
    };
    item.consent = consent;
    store.consents.set(consent.id, { item, consent });
  }

  /**
   * Rows that "arrived" at the bank since the last sync: about the account's historical daily rate,
   * dated over the elapsed days, stored with createdAt = now. The first checking account always gets
   * at least one row per elapsed day, so every daily sync has something to announce.
   */
  private dailyActivity(item: ItemState, now: number): { acct: AccountState; rows: TxRow[] }[] {
    const world = item.world!;
    const elapsed = now - world.activityUntil;
    if (elapsed < 12 * HOUR_MS || !item.products.includes('TRANSACTIONS')) return [];
    const days = elapsed / DAY_MS;
    const historyDays = this.d.size.historyMonths * 30.4;
    const out: { acct: AccountState; rows: TxRow[] }[] = [];
    const firstChecking = world.accounts.find((a) => a.kind === 'checking');
    for (const acct of world.accounts) {
      const rate = acct.rows.length / Math.max(1, historyDays);
      let count = Math.min(500, Math.floor(rate * days + world.live.next()));
      if (acct === firstChecking) count = Math.max(count, Math.max(1, Math.floor(days)));
      const from = world.activityUntil;
      const dates = Array.from({ length: count }, (_, i) =>
        dayStart(from + ((i + 1) / count) * (now - from)),
      );
      const rows = newRows(world, acct, dates, now, now);
      this.d.store.insertRows(acct, rows);
      refreshBalance(acct, now);
      out.push({ acct, rows });
    }
    world.activityUntil = now;
    return out;
  }
}
