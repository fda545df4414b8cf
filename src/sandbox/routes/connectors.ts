/**
 * GET /connectors (filters as Pluggy has them), GET /connectors/{id}, POST /connectors/{id}/validate.
 * Reachable with a connect token too (the Connect widget lists connectors with it).
 */
import type { SandboxContext } from '../context.ts';
import { invalid, notFound } from '../errors.ts';
import { Rng } from '../random.ts';
import type { Router } from '../server.ts';
import type { Connector, ConnectorCredential, ConnectorType } from '../types.ts';
import { onePage, optionalBool, requireObjectBody } from './common.ts';

const CONNECTOR_TYPES: ConnectorType[] = [
  'PERSONAL_BANK',
  'BUSINESS_BANK',
  'INVOICE',
  'INVESTMENT',
  'TELECOMMUNICATION',
  'DIGITAL_ECONOMY',
  'PAYMENT_ACCOUNT',
  'OTHER',
];
const COUNTRIES = ['AR', 'BR', 'CO', 'MX'];

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

type ParameterError = {
  code: string;
  message: string;
  parameter: string;
  data?: Record<string, unknown>;
};

/** Check credentials against a connector's field rules: "001" required missing, "002" rule failed. */
export function validateParameters(
  credentials: ConnectorCredential[],
  params: Record<string, string>,
  only?: Set<string>,
): ParameterError[] {
  const errors: ParameterError[] = [];
  for (const c of credentials) {
    if (only && !only.has(c.name)) continue;
    const v = params[c.name];
    if (v === undefined || v === '') {
      if (!c.optional)
        errors.push({ code: '001', parameter: c.name, message: `${c.name} parameter is required` });
      continue;
    }
    if (c.validation && !new RegExp(c.validation).test(v)) {
      errors.push({ code: '002', parameter: c.name, message: c.validationMessage ?? `${c.name} is invalid` });
    }
  }
  return errors;
}

/** Credentials as strings (clients may send numbers for numeric fields). */
export function stringParams(raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

function withHealthDetails(c: Connector): Connector {
  const rng = Rng.derive('health', c.id);
  const status = c.health.status;
  const rate = status === 'ONLINE' ? rng.int(92, 100) : status === 'UNSTABLE' ? rng.int(40, 80) : 0;
  return {
    ...c,
    health: {
      ...c.health,
      details: {
        connectionRateLast6Hours: rate,
        connectionsLast6Hours: status === 'OFFLINE' ? 0 : rng.int(50, 5000),
      },
    },
  };
}

function findConnector(ctx: SandboxContext, raw: string | undefined): Connector {
  const id = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || !Number.isSafeInteger(id))
    throw invalid('id must be a number');
  const c = ctx.store.connectors.get(id);
  if (!c) throw notFound('CONNECTOR_NOT_FOUND', 'connector not found');
  return c;
}

export function connectorRoutes(router: Router, ctx: SandboxContext): void {
  router.add('GET', '/connectors', 'connect', ({ query }) => {
    const list = (name: string, allowed: string[]) => {
      const raw = query.get(name);
      if (raw === null || raw === '') return null;
      const values = raw.split(',').map((s) => s.trim());
      const bad = values.filter((v) => !allowed.includes(v));
      if (bad.length)
        throw invalid(`each value in ${name} must be one of the following values: ${allowed.join(', ')}`);
      return new Set(values);
    };
    const countries = list('countries', COUNTRIES);
    const types = list('types', CONNECTOR_TYPES);
    const name = query.get('name');
    const sandbox = optionalBool('sandbox', query.get('sandbox')) ?? false;
    const healthDetails = optionalBool('healthDetails', query.get('healthDetails')) ?? false;
    const flags = (
      [
        'isOpenFinance',
        'supportsPaymentInitiation',
        'supportsSmartTransfers',
        'supportsAutomaticPix',
      ] as const
    ).map((k) => [k, optionalBool(k, query.get(k))] as const);
    const needle = name ? fold(name) : null;
    const results = [...ctx.store.connectors.values()]
      .filter(
        (c) =>
          (sandbox || !c.isSandbox) &&
          (!countries || countries.has(c.country)) &&
          (!types || types.has(c.type)) &&
          (!needle || fold(c.name).includes(needle)) &&
          flags.every(([k, v]) => v === undefined || c[k] === v),
      )
      .sort((a, b) => a.name.localeCompare(b.name, 'pt-BR') || a.id - b.id)
      .map((c) => (healthDetails ? withHealthDetails(c) : c));
    return onePage(results);
  });

  router.add('GET', '/connectors/:id', 'connect', ({ params, query }) => {
    const c = findConnector(ctx, params.id);
    return optionalBool('healthDetails', query.get('healthDetails')) ? withHealthDetails(c) : c;
  });

  router.add('POST', '/connectors/:id/validate', 'connect', ({ params, body }) => {
    const c = findConnector(ctx, params.id);
    const parameters = stringParams(requireObjectBody(body));
    return { parameters, errors: validateParameters(c.credentials, parameters) };
  });
}
