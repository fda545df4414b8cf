/**
 * Items: POST /items, GET/PATCH/DELETE /items/{id}, POST /items/{id}/mfa,
 * PATCH /items/{id}/disable-auto-sync (docs/pluggy.md#item-endpoints). Executions run asynchronously
 * (items/execution.ts); these routes only validate, record and start them.
 */
import { iso } from '../clock.ts';
import type { SandboxContext } from '../context.ts';
import { loginStyle, MFA_TOKEN_CREDENTIAL } from '../world/connectors.ts';
import { badRequest, invalid, notFound, PluggyError } from '../errors.ts';
import type { ItemState } from '../store.ts';
import { PRODUCT_TYPES, type Connector, type Item, type ProductType } from '../types.ts';
import { type Handler, Reply, type Router } from '../server.ts';
import { asConnectToken, findItem, isWebhookUrl, requireObjectBody } from './common.ts';
import { stringParams, validateParameters } from './connectors.ts';

const LOGIN_FAILURE_BACKOFF_MS = 15 * 60_000;
const MAX_CONSECUTIVE_LOGIN_FAILURES = 2;

function parseProducts(raw: unknown, connector: Connector): ProductType[] {
  if (raw === undefined || raw === null) return [...connector.products];
  if (!Array.isArray(raw) || raw.some((p) => !PRODUCT_TYPES.includes(p as ProductType))) {
    throw invalid(`each value in products must be one of the following values: ${PRODUCT_TYPES.join(', ')}`);
  }
  const wanted = new Set(raw as ProductType[]);
  const products = connector.products.filter((p) => wanted.has(p));
  return products.length ? products : [...connector.products];
}

function optionalString(name: string, raw: unknown, max = 2048): string | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  if (typeof raw !== 'string') throw invalid(`${name} must be a string`);
  if (raw.length > max) throw invalid(`${name} must be shorter than or equal to ${max} characters`);
  return raw;
}

function checkWebhookUrl(raw: string | null | undefined): void {
  if (raw && !isWebhookUrl(raw)) throw invalid('webhookUrl must be a valid URL');
}

function offline(connector: Connector): PluggyError {
  // (unverified) codeDescription for a connection refused because the connector is OFFLINE.
  return badRequest(
    'CONNECTOR_OFFLINE',
    `Connector ${connector.name} is offline at the moment, try again later`,
  );
}

/** The credential that identifies the user at the institution (for avoidDuplicates). */
function userKey(connector: Connector, params: Record<string, string>): string {
  const first = connector.credentials.find((c) => c.type !== 'password' && !c.mfa);
  return first ? (params[first.name] ?? '') : '';
}

/** A new item record (status UPDATING), registered in the store; the caller starts its execution. */
export function newItem(
  ctx: SandboxContext,
  p: Pick<
    ItemState,
    | 'connector'
    | 'parameters'
    | 'webhookUrl'
    | 'clientUserId'
    | 'products'
    | 'oauthRedirectUri'
    | 'connectTokenId'
  >,
): ItemState {
  const now = ctx.clock.nowMs();
  const { ordinal, id } = ctx.store.nextItemOrdinal();
  const item: ItemState = {
    ...p,
    id,
    ordinal,
    createdAt: now,
    updatedAt: now,
    status: 'UPDATING',
    executionStatus: 'CREATED',
    lastUpdatedAt: null,
    error: null,
    consecutiveFailedLoginAttempts: 0,
    statusDetail: null,
    parameter: null,
    userAction: null,
    userActionNext: false,
    nextAutoSyncAt: null,
    autoSyncDisabledAt: null,
    credentialsInvalid: false,
    running: false,
    lastExecutionEndedAt: null,
    world: null,
    consent: null,
    deleted: false,
  };
  ctx.store.items.set(id, item);
  return item;
}

export function itemRoutes(router: Router, ctx: SandboxContext): void {
  const { store, executor, clock } = ctx;
  const show = (item: ItemState): Item => store.serializeItem(item);

  router.add('POST', '/items', 'connect', ({ body, auth }) => {
    const b = requireObjectBody(body);
    const token = asConnectToken(auth);
    if (b.connectorId === undefined || b.connectorId === null) {
      throw invalid('connectorId should not be null or undefined', 'connectorId must be a number');
    }
    if (typeof b.connectorId !== 'number' || !Number.isInteger(b.connectorId))
      throw invalid('connectorId must be a number');
    const connector = store.connectors.get(b.connectorId);
    if (!connector) throw notFound('CONNECTOR_NOT_FOUND', 'connector not found');
    if (b.parameters === undefined || b.parameters === null) {
      throw badRequest('PARAMETERS_NOT_PROVIDED', 'parameters should not be null or undefined');
    }
    if (typeof b.parameters === 'string') {
      // Pluggy accepts RSA-encrypted parameters; the sandbox has no key pair to decrypt them.
      throw invalid('parameters must be an object (encrypted parameters are not supported by the sandbox)');
    }
    const parameters = stringParams(requireObjectBody(b.parameters));
    const webhookUrl = optionalString('webhookUrl', b.webhookUrl) ?? token?.webhookUrl ?? null;
    checkWebhookUrl(webhookUrl);
    const clientUserId = optionalString('clientUserId', b.clientUserId, 255) ?? token?.clientUserId ?? null;
    const oauthRedirectUri =
      optionalString('oauthRedirectUri', b.oauthRedirectUri) ?? token?.oauthRedirectUri ?? null;
    const products = parseProducts(b.products, connector);
    if (connector.health.status === 'OFFLINE') throw offline(connector);
    const details = validateParameters(connector.credentials, parameters);
    if (details.length) {
      throw badRequest('CONNECTOR_VALIDATION_ERROR', 'Connector parameters do not match validation rules', {
        details,
      });
    }
    if (b.avoidDuplicates === true || token?.avoidDuplicates) {
      const key = userKey(connector, parameters);
      const dupes = [...store.items.values()].filter(
        (i) => i.connector.id === connector.id && userKey(connector, i.parameters) === key,
      );
      if (dupes.length) {
        throw badRequest('ITEM_USER_ALREADY_EXISTS', 'An item with the same credentials already exists', {
          items: dupes.map((i) => i.id),
        });
      }
    }
    const item = newItem(ctx, {
      connector,
      parameters,
      webhookUrl,
      clientUserId,
      products,
      oauthRedirectUri,
      connectTokenId: token?.jti ?? null,
    });
    void executor.start(item, { kind: 'create', triggeredBy: token ? 'USER' : 'CLIENT' });
    return show(item);
  });

  router.add('GET', '/items/:id', 'connect', ({ params, auth }) => show(findItem(store, auth, params.id)));

  router.add('PATCH', '/items/:id', 'connect', (c) => {
    // Pluggy's rate limiter counts every PATCH from the address, before anything else, and its
    // RateLimit-* headers go on every answer, errors included.
    const limitHeaders = ctx.refreshLimits.hitPatch(c.req.socket.remoteAddress ?? '');
    try {
      const item = updateItem(c);
      if (Object.keys(limitHeaders).length === 0) return item;
      return new Reply(200, JSON.stringify(item), 'application/json; charset=utf-8', limitHeaders);
    } catch (err) {
      if (err instanceof PluggyError) Object.assign(err.headers, limitHeaders);
      throw err;
    }
  });

  function updateItem({ params, body, auth }: Parameters<Handler>[0]): Item {
    const item = findItem(store, auth, params.id);
    const b = requireObjectBody(body);
    if (executor.isRunning(item)) throw badRequest('ITEM_ALREADY_UPDATING', 'Item is already updating');
    ctx.refreshLimits.checkFrequency(item, !asConnectToken(auth));
    const connector = item.connector;
    if (connector.health.status === 'OFFLINE') throw offline(connector);
    const now = clock.nowMs();
    if (
      item.consecutiveFailedLoginAttempts >= MAX_CONSECUTIVE_LOGIN_FAILURES &&
      item.lastExecutionEndedAt !== null &&
      now < item.lastExecutionEndedAt + LOGIN_FAILURE_BACKOFF_MS
    ) {
      throw badRequest(
        'TOO_MANY_CONSECUTIVE_LOGIN_FAILURES',
        'Too many consecutive login failures, try again in 15 minutes',
        {
          data: {
            readableBackoffTime: '15 minutes',
            maxConsecutiveFailedLoginAttempts: MAX_CONSECUTIVE_LOGIN_FAILURES,
            lastExecutionEndedAt: iso(item.lastExecutionEndedAt),
            canRetryAfterDate: iso(item.lastExecutionEndedAt + LOGIN_FAILURE_BACKOFF_MS),
          },
        },
      );
    }
    const given =
      b.parameters === undefined || b.parameters === null
        ? null
        : stringParams(requireObjectBody(b.parameters));
    const merged = { ...item.parameters, ...(given ?? {}) };
    if (given) {
      const details = validateParameters(connector.credentials, merged, new Set(Object.keys(given)));
      if (details.length) {
        throw badRequest('CONNECTOR_VALIDATION_ERROR', 'Connector parameters do not match validation rules', {
          details,
        });
      }
    }
    if (loginStyle(connector) === 'mfa-1-step' && !given?.token) {
      // A 1-step MFA value is single-use: every update needs a fresh one (docs/pluggy.md#item-endpoints).
      throw badRequest(
        'CONNECTOR_REQUIRED_PARAMETER_VALIDATION_ERROR',
        'A new value for the parameter token is required to update this item',
        {
          details: [{ code: '001', parameter: 'token', message: 'token parameter is required' }],
          data: { parameter: MFA_TOKEN_CREDENTIAL },
        },
      );
    }
    const webhookUrl = optionalString('webhookUrl', b.webhookUrl);
    checkWebhookUrl(webhookUrl);
    const clientUserId = optionalString('clientUserId', b.clientUserId, 255);
    if (b.products !== undefined && b.products !== null) item.products = parseProducts(b.products, connector);
    if (webhookUrl !== undefined) item.webhookUrl = webhookUrl;
    if (clientUserId !== undefined) item.clientUserId = clientUserId;
    if (given) {
      item.parameters = merged;
      item.credentialsInvalid = false;
    }
    void executor.start(item, { kind: 'update', triggeredBy: asConnectToken(auth) ? 'USER' : 'CLIENT' });
    return show(item);
  }

  router.add('DELETE', '/items/:id', 'api', ({ params, auth }) => {
    const item = findItem(store, auth, params.id);
    executor.cancel(item);
    store.removeItem(item);
    ctx.notifier.item(item, 'item/deleted', 'CLIENT');
    return { count: 1 };
  });

  router.add('POST', '/items/:id/mfa', 'connect', ({ params, body, auth }) => {
    const item = findItem(store, auth, params.id);
    const b = requireObjectBody(body);
    if (item.status !== 'WAITING_USER_INPUT' || !item.parameter) {
      // (unverified) codeDescription for MFA sent to an item that is not waiting for input.
      throw badRequest('ITEM_NOT_WAITING_USER_INPUT', 'Item is not waiting for user input');
    }
    const name = item.parameter.name;
    const value = b[name];
    if (value === undefined || value === null || value === '') throw invalid(`${name} should not be empty`);
    if (!executor.submitMfa(item, String(value)))
      throw badRequest('ITEM_NOT_WAITING_USER_INPUT', 'Item is not waiting for user input');
    return show(item);
  });

  router.add('PATCH', '/items/:id/disable-auto-sync', 'api', ({ params, auth }) => {
    const item = findItem(store, auth, params.id);
    item.autoSyncDisabledAt = clock.nowMs();
    item.nextAutoSyncAt = null;
    item.updatedAt = clock.nowMs();
    return show(item);
  });

  // Listing items is a paid opt-in feature; a default application gets this 403
  // (docs/pluggy.md#item-endpoints).
  router.add('GET', '/v2/items', 'api', () => {
    throw new PluggyError(403, {
      code: 403,
      codeDescription: 'LIST_ITEMS_FEATURE_NOT_ENABLED',
      message: 'List items feature is not enabled for this client',
    });
  });
}
