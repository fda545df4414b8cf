/**
 * Which events go where, with which payload (docs/pluggy.md#two-ways-to-subscribe, #event-envelope,
 * #event-types, #item-events, #connector-status-events, #transaction-events):
 * - every webhook registered through POST /webhooks for that event or "all", with its custom headers;
 * - the item's own webhookUrl (from POST /items, PATCH or the connect token), WITHOUT custom headers;
 * - connector/status_updated goes to registered webhooks only (it has no item).
 * One event keeps one eventId across its targets, so receivers can de-duplicate on it.
 */
import { iso } from '../clock.ts';
import type { ItemState, Store } from '../store.ts';
import type { Connector, ItemError } from '../types.ts';
import type { TxRow } from '../world/rows.ts';
import type { Deliverer } from './deliver.ts';

/**
 * Pluggy splits long id lists (≤ 400 ids per transactions/updated since Aug 2026,
 * docs/pluggy.md#restatements-and-deletions).
 */
const MAX_IDS_PER_EVENT = 400;

type ItemEventName =
  | 'item/created'
  | 'item/updated'
  | 'item/error'
  | 'item/deleted'
  | 'item/waiting_user_input'
  | 'item/waiting_user_action'
  | 'item/login_succeeded';

export class Notifier {
  constructor(
    private readonly store: Store,
    private readonly deliverer: Deliverer,
    private readonly clientId: string,
    private readonly baseUrl: () => string,
  ) {}

  private send(event: string, payload: Record<string, unknown>, itemWebhookUrl: string | null): string {
    const eventId = this.store.ids.uuid();
    const body = { event, eventId, ...payload };
    for (const w of this.store.webhooks.values()) {
      if (w.disabledAt !== null) continue;
      if (w.event !== event && w.event !== 'all') continue;
      this.deliverer.enqueue(eventId, event, w.url, w.headers ?? {}, body);
    }
    if (itemWebhookUrl) this.deliverer.enqueue(eventId, event, itemWebhookUrl, {}, body);
    return eventId;
  }

  private itemBase(item: ItemState, triggeredBy: string | null): Record<string, unknown> {
    return {
      id: item.id, // deprecated alias of itemId, still sent
      itemId: item.id,
      clientId: this.clientId,
      ...(item.clientUserId !== null ? { clientUserId: item.clientUserId } : {}),
      triggeredBy,
    };
  }

  item(item: ItemState, event: ItemEventName, triggeredBy: string | null, error?: ItemError | null): void {
    const payload = this.itemBase(item, triggeredBy);
    if (event === 'item/error' && error) {
      payload.error = {
        code: error.code,
        message: error.message,
        ...(error.providerMessage ? { providerMessage: error.providerMessage } : {}),
        ...(item.parameter ? { parameter: item.parameter.name } : {}),
      };
    }
    this.send(event, payload, item.webhookUrl);
  }

  transactionsCreated(
    item: ItemState,
    accountId: string,
    createdAtFrom: number,
    count: number,
    minDate: number,
  ): void {
    const from = iso(createdAtFrom);
    // Points at THIS sandbox's cursor endpoint (Pluggy's older payloads point at v1 /transactions).
    const link = `${this.baseUrl()}/v2/transactions?accountId=${accountId}&createdAtFrom=${from}`;
    this.send(
      'transactions/created',
      {
        id: item.id,
        itemId: item.id,
        accountId,
        clientId: this.clientId,
        transactionsCount: count,
        transactionsMinDate: iso(minDate),
        transactionsCreatedAtFrom: from,
        createdTransactionsLink: link,
      },
      item.webhookUrl,
    );
  }

  /** transactions/created for rows that just arrived in an account (nothing when there are none). */
  rowsCreated(item: ItemState, accountId: string, rows: readonly TxRow[], createdAtFrom: number): void {
    const first = rows[0];
    if (!first) return;
    // A loop, not Math.min(...dates): a spread of a very large batch overflows the call stack.
    let minDate = first.date;
    for (const r of rows) if (r.date < minDate) minDate = r.date;
    this.transactionsCreated(item, accountId, createdAtFrom, rows.length, minDate);
  }

  transactionIds(
    item: ItemState,
    event: 'transactions/updated' | 'transactions/deleted',
    accountId: string,
    ids: string[],
  ): void {
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_EVENT) {
      const chunk = ids.slice(i, i + MAX_IDS_PER_EVENT);
      this.send(
        event,
        {
          id: item.id,
          itemId: item.id,
          accountId,
          clientId: this.clientId,
          transactionIds: chunk,
          transactionsCount: chunk.length,
        },
        item.webhookUrl,
      );
    }
  }

  connectorStatus(connector: Connector): void {
    this.send(
      'connector/status_updated',
      { id: String(connector.id), connectorId: connector.id, data: { status: connector.health.status } },
      null,
    );
  }
}
