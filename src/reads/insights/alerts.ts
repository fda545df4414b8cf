/**
 * What the assistant should tell the person without being asked. Each alert is computed from the
 * stored data on every request; its id is stable (kind + what it is about), and only "was it shown
 * before" is stored (alert_states), so an alert is `new` once and `seen` afterwards.
 */
import type { Db } from '../../db/pool.ts';
import { recordAlertsShown } from '../../db/queries/alertStates.ts';
import { listBillChecks } from '../../db/queries/bills.ts';
import { listTroubledConnectorsOfUser } from '../../db/queries/connectorStatuses.ts';
import { type ItemRow, listItemsByUser } from '../../db/queries/items.ts';
import { errorCode } from '../../domain/itemHealth.ts';
import type { PluggyClient } from '../../pluggy/index.ts';
import { money } from '../../charts/format.ts';
import { type ConnectDeps, mintConnectLink } from '../connect.ts';
import { reconnectReason } from '../items.ts';
import { type Charge, detectRecurring, type RecurringSeries } from './detectRecurring.ts';
import type { MerchantLookup } from './merchantNames.ts';
import { type Freshness, freshness } from '../answers/common.ts';
import { chargesOf, shiftDay, todayInSaoPaulo } from './recurring.ts';
import { absDiff, medianUnits, toUnits, unitsToCents } from './units.ts';

export type AlertKind =
  | 'consent-expiring'
  | 'consent-revoked'
  | 'reconnect-needed'
  | 'connector-unstable'
  | 'bill-mismatch'
  | 'new-subscription'
  | 'price-increase'
  | 'unusual-charge'
  | 'bill-due';

export type Alert = {
  id: string;
  kind: AlertKind;
  severity: 'info' | 'warning' | 'critical';
  /** One sentence in Portuguese the assistant can say as is. */
  reason: string;
  /** Where the person acts (a reconnect link), when that helps. */
  link: { url: string; expiresAt: string } | null;
  itemId: string | null;
  /** The figures behind the reason (decimal strings, dates). */
  facts: Record<string, string | number | null>;
  /** First time this alert was shown; `isNew` only on that request. */
  firstShownAt: string;
  isNew: boolean;
};

export type AlertsAnswer = Freshness & { today: string; alerts: Alert[] };

export type AlertDeps = {
  pool: Db;
  pluggy?: (MerchantLookup & Partial<Pick<PluggyClient, 'getConsents'>>) | undefined;
  /** To mint reconnect links; without it alerts carry no link. */
  connect?: Pick<ConnectDeps, 'pool' | 'linkSecret' | 'publicBaseUrl'> | undefined;
};

const CONSENT_WARNING_DAYS = 7;
const BILL_DUE_DAYS = 3;
/** A card bill and its rows may differ by rounding; past this it is worth saying. */
const BILL_TOLERANCE = toUnits('1.00');
const NEW_SUBSCRIPTION_DAYS = 75;
const PRICE_CHANGE_DAYS = 120;
const UNUSUAL_WINDOW_DAYS = 30;
const USUAL_BASIS = 50;

type Draft = Omit<Alert, 'firstShownAt' | 'isNew'>;

const brDate = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
const brl = (amount: string) => money(amount, 'pt');

export async function personAlerts(deps: AlertDeps, userId: string, now = new Date()): Promise<AlertsAnswer> {
  const today = todayInSaoPaulo(now);
  const items = await listItemsByUser(deps.pool, userId);
  const drafts: Draft[] = [];
  drafts.push(...(await connectionAlerts(deps, userId, items, now)));
  drafts.push(...(await connectorAlerts(deps.pool, userId)));
  drafts.push(...(await billAlerts(deps.pool, userId, today)));
  const charges = await chargesOf(deps, userId, shiftDay(today, -400));
  drafts.push(...chargeAlerts(charges, detectRecurring(charges, today), today));

  const states = await recordAlertsShown(deps.pool, userId, drafts);
  const alerts = drafts.map((d) => {
    const s = states.get(d.id);
    return { ...d, firstShownAt: (s?.firstSeenAt ?? now).toISOString(), isNew: s?.isNew ?? true };
  });
  const rank = { critical: 0, warning: 1, info: 2 };
  alerts.sort((a, b) => rank[a.severity] - rank[b.severity] || (a.id < b.id ? -1 : 1));
  return { ...(await freshness(deps.pool, userId)), today, alerts };
}

async function reconnectLink(deps: AlertDeps, userId: string, itemId: string) {
  if (!deps.connect) return null;
  const { url, expiresAt } = await mintConnectLink(deps.connect, userId, {
    itemId,
    expiresInMinutes: 24 * 60,
  });
  return { url, expiresAt };
}

/**
 * Consent and connection state. A revoked consent shows as empty data at Pluggy, never as an error
 * (docs/pluggy.md#open-finance-and-consents), so it is read from the consent itself (GET /consents,
 * when Pluggy answers) and from the item's status — never inferred from rows missing. Nothing here
 * deletes anything.
 */
async function connectionAlerts(
  deps: AlertDeps,
  userId: string,
  items: ItemRow[],
  now: Date,
): Promise<Draft[]> {
  const out: Draft[] = [];
  for (const item of items) {
    const bank = item.connectorName ?? 'seu banco';
    let revokedAt: string | null = null;
    let expiresAt = item.consentExpiresAt?.toISOString() ?? null;
    if (deps.pluggy?.getConsents) {
      try {
        const consents = await deps.pluggy.getConsents(item.id);
        const latest = consents[consents.length - 1];
        if (latest) {
          revokedAt = latest.revokedAt ?? null;
          expiresAt = latest.expiresAt ?? expiresAt;
        }
      } catch {
        // Pluggy unreachable: the stored item status below still tells most of it.
      }
    }
    const code = errorCode(item.error) ?? item.executionStatus ?? null;
    const revokedByStatus =
      item.status === 'LOGIN_ERROR' &&
      code === 'USER_AUTHORIZATION_NOT_GRANTED' &&
      /revok/i.test(JSON.stringify(item.error ?? ''));
    if (revokedAt || revokedByStatus) {
      out.push({
        id: `consent-revoked:${item.id}:${(revokedAt ?? 'status').slice(0, 10)}`,
        kind: 'consent-revoked',
        severity: 'critical',
        reason: `A autorização do Open Finance com ${bank} foi revogada: os dados guardados continuam aqui, mas não serão mais atualizados até você conectar de novo.`,
        link: await reconnectLink(deps, userId, item.id),
        itemId: item.id,
        facts: { revokedAt, bank },
      });
      continue;
    }
    if (expiresAt) {
      const ms = Date.parse(expiresAt) - now.getTime();
      if (ms <= CONSENT_WARNING_DAYS * 86_400_000) {
        const expired = ms <= 0;
        const day = todayInSaoPaulo(new Date(expiresAt));
        out.push({
          id: `consent-expiring:${item.id}:${day}`,
          kind: 'consent-expiring',
          severity: expired ? 'critical' : 'warning',
          reason: expired
            ? `A autorização do Open Finance com ${bank} venceu em ${brDate(day)}: renove para voltar a receber os dados.`
            : `A autorização do Open Finance com ${bank} vence em ${brDate(day)}: renove antes para não parar de receber os dados.`,
          link: await reconnectLink(deps, userId, item.id),
          itemId: item.id,
          facts: { expiresAt, bank },
        });
        continue;
      }
    }
    if (item.needsReconnect) {
      out.push({
        id: `reconnect-needed:${item.id}:${item.updatedAt.toISOString().slice(0, 10)}`,
        kind: 'reconnect-needed',
        severity: 'critical',
        reason: `A conexão com ${bank} precisa de você: ${reasonInPortuguese(item)}`,
        link: await reconnectLink(deps, userId, item.id),
        itemId: item.id,
        facts: { bank, status: item.status, error: code, detail: reconnectReason(item) },
      });
    }
  }
  return out;
}

function reasonInPortuguese(item: ItemRow): string {
  const code = errorCode(item.error) ?? item.executionStatus ?? item.status ?? '';
  const pt: Record<string, string> = {
    INVALID_CREDENTIALS: 'o banco recusou a senha; conecte de novo com a senha atual.',
    INVALID_CREDENTIALS_MFA: 'o código de verificação estava errado ou venceu; conecte de novo.',
    ACCOUNT_LOCKED: 'o banco bloqueou o acesso; desbloqueie com o banco e conecte de novo.',
    WAITING_USER_INPUT: 'o banco espera um código de verificação.',
    WAITING_USER_ACTION: 'o banco espera uma aprovação no aplicativo dele.',
    USER_AUTHORIZATION_NOT_GRANTED: 'o acesso não foi aprovado no aplicativo do banco; conecte de novo.',
  };
  return pt[code] ?? 'é preciso entrar de novo no banco pelo link.';
}

async function connectorAlerts(db: Db, userId: string): Promise<Draft[]> {
  return (await listTroubledConnectorsOfUser(db, userId)).map((c) => ({
    id: `connector-unstable:${c.connectorId}:${c.status}:${c.changedAt.toISOString()}`,
    kind: 'connector-unstable' as const,
    severity: 'info' as const,
    reason: `${c.connectorName ?? 'O seu banco'} está ${c.status === 'OFFLINE' ? 'fora do ar' : 'instável'} no Open Finance agora: os dados podem atrasar, não é preciso fazer nada.`,
    link: null,
    itemId: null,
    facts: { connectorId: c.connectorId, status: c.status, since: c.changedAt.toISOString() },
  }));
}

async function billAlerts(db: Db, userId: string, today: string): Promise<Draft[]> {
  const out: Draft[] = [];
  for (const b of await listBillChecks(db, userId, shiftDay(today, -60))) {
    const card = b.accountName ?? 'cartão';
    const total = toUnits(b.totalAmount);
    if (b.rowsSum !== null && b.rows > 0 && absDiff(toUnits(b.rowsSum), total) > BILL_TOLERANCE) {
      out.push({
        id: `bill-mismatch:${b.id}:${unitsToCents(total)}:${unitsToCents(toUnits(b.rowsSum))}`,
        kind: 'bill-mismatch',
        severity: 'warning',
        reason: `A fatura do ${card} com vencimento em ${brDate(b.dueDay)} soma ${brl(b.totalAmount)}, mas as compras dela somam ${brl(b.rowsSum)}: vale conferir com o banco.`,
        link: null,
        itemId: b.itemId,
        facts: {
          billId: b.id,
          dueDate: b.dueDay,
          total: unitsToCents(total),
          transactionsSum: unitsToCents(toUnits(b.rowsSum)),
          transactions: b.rows,
        },
      });
    }
    if (!b.paid && total > 0n && b.dueDay >= today && b.dueDay <= shiftDay(today, BILL_DUE_DAYS)) {
      const when =
        b.dueDay === today ? 'hoje' : b.dueDay === shiftDay(today, 1) ? 'amanhã' : `em ${brDate(b.dueDay)}`;
      out.push({
        id: `bill-due:${b.id}`,
        kind: 'bill-due',
        severity: 'warning',
        reason: `A fatura do ${card} de ${brl(b.totalAmount)} vence ${when} e ainda não foi paga.`,
        link: null,
        itemId: b.itemId,
        facts: { billId: b.id, dueDate: b.dueDay, total: unitsToCents(total) },
      });
    }
  }
  return out;
}

function chargeAlerts(charges: Charge[], series: RecurringSeries[], today: string): Draft[] {
  const out: Draft[] = [];
  for (const s of series) {
    if (s.status !== 'active') continue;
    if (s.firstDay >= shiftDay(today, -NEW_SUBSCRIPTION_DAYS) && s.cadence !== 'yearly') {
      out.push({
        id: `new-subscription:${s.key}:${s.firstDay}`,
        kind: 'new-subscription',
        severity: 'info',
        reason: `Nova cobrança recorrente: ${s.name}, ${brl(s.amount)} por ${s.cadence === 'weekly' ? 'semana' : 'mês'} desde ${brDate(s.firstDay)}.`,
        link: null,
        itemId: null,
        facts: {
          merchant: s.name,
          amount: s.amount,
          cadence: s.cadence,
          since: s.firstDay,
          nextExpected: s.nextExpectedDay,
        },
      });
    }
    for (const c of s.priceChanges) {
      if (toUnits(c.to) <= toUnits(c.from) || c.day < shiftDay(today, -PRICE_CHANGE_DAYS)) continue;
      out.push({
        id: `price-increase:${s.key}:${c.day}`,
        kind: 'price-increase',
        severity: 'info',
        reason: `${s.name} subiu de ${brl(c.from)} para ${brl(c.to)} em ${brDate(c.day)}.`,
        link: null,
        itemId: null,
        facts: { merchant: s.name, from: c.from, to: c.to, day: c.day, cadence: s.cadence },
      });
    }
  }
  out.push(...unusualCharges(charges, today));
  return out;
}

/**
 * A recent charge far above what that merchant usually charges (3× its median over 3+ earlier
 * charges), or, for a merchant without history, far above the category's usual (5× over 10+).
 */
function unusualCharges(charges: Charge[], today: string): Draft[] {
  const since = shiftDay(today, -UNUSUAL_WINDOW_DAYS);
  const out: Draft[] = [];
  const floor = toUnits('200.00');
  // Charges come oldest first: what came before a charge is a prefix of its merchant's (category's) list.
  const byKey = new Map<string, Charge[]>();
  const byCategory = new Map<string, Charge[]>();
  for (const c of charges) {
    if (!byKey.has(c.key)) byKey.set(c.key, []);
    byKey.get(c.key)!.push(c);
    if (c.categoryId) {
      if (!byCategory.has(c.categoryId)) byCategory.set(c.categoryId, []);
      byCategory.get(c.categoryId)!.push(c);
    }
  }
  const usualOf = (list: Charge[] | undefined, c: Charge, min: number): bigint | null => {
    if (!list) return null;
    const earlier: bigint[] = [];
    // The usual is the median of the latest USUAL_BASIS earlier charges: recent habits, bounded work.
    for (let i = list.length - 1; i >= 0 && earlier.length < USUAL_BASIS; i--) {
      if (list[i]!.day < c.day) earlier.push(toUnits(list[i]!.amount));
    }
    return earlier.length >= min ? medianUnits(earlier) : null;
  };
  for (const c of charges) {
    if (c.day < since) continue;
    const amount = toUnits(c.amount);
    if (amount < floor) continue;
    let basis: 'merchant' | 'category' = 'merchant';
    let usual = usualOf(byKey.get(c.key), c, 3);
    if (usual === null && c.categoryId) {
      usual = usualOf(byCategory.get(c.categoryId), c, 10);
      basis = 'category';
    }
    if (usual === null || usual <= 0n) continue;
    if (amount <= usual * (basis === 'merchant' ? 3n : 5n)) continue;
    out.push({
      id: `unusual-charge:${c.id}`,
      kind: 'unusual-charge',
      severity: 'warning',
      reason: `Cobrança fora do comum: ${c.name}, ${brl(c.amount)} em ${brDate(c.day)} — ${basis === 'merchant' ? 'esse estabelecimento' : 'essa categoria'} costuma ficar em torno de ${brl(unitsToCents(usual))}.`,
      link: null,
      itemId: null,
      facts: {
        transactionId: c.id,
        merchant: c.name,
        amount: unitsToCents(amount),
        usual: unitsToCents(usual),
        basis,
      },
    });
  }
  return out;
}
