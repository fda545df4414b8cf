/**
 * Pluggy's ids (items, accounts, transactions, webhooks, investments, loans, bills…) are UUIDs
 * (docs/pluggy.md). Only the shape is checked, not the RFC version or variant digits: the point is
 * that nothing else — "..", "/", "?" — ever reaches a request path or a job. Every edge where an id
 * enters (webhook payloads, API paths and filters, CLI arguments, the client's own requests)
 * checks it with this one rule.
 */
export const PLUGGY_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isPluggyId = (value: unknown): boolean =>
  typeof value === 'string' && PLUGGY_ID_PATTERN.test(value);
