import type { Logger } from '../log.ts';
import { createPluggyClient, type PluggyClient, type RateGate, rateBudgetOf } from './index.ts';

/**
 * The part of the service's configuration the client reads. Declared here, structurally, so that
 * src/pluggy depends on no other layer: the service's whole Config satisfies it.
 */
export type PluggyClientSettings = {
  pluggy: {
    clientId: string;
    clientSecret: string;
    timeoutMs: number;
    rateLimitPerMinute?: number | undefined;
  };
};

/** The client as the service and the CLI build it: credentials and timeout from config. */
export function pluggyClientFromConfig(
  config: PluggyClientSettings,
  baseUrl: string,
  logger?: Logger,
  rateGate?: RateGate,
): PluggyClient {
  // A limit other than the documented 360/min (a negotiated contract; tests) scales every scope's budget.
  const limit = config.pluggy.rateLimitPerMinute;
  const scaled = limit
    ? (scope: string) => {
        const b = rateBudgetOf(scope);
        const k = limit / 360;
        return {
          burst: Math.max(1, Math.floor(b.burst * k)),
          perMinute: Math.max(1, Math.floor(b.perMinute * k)),
        };
      }
    : undefined;
  return createPluggyClient({
    ...(rateGate ? { rateGate } : {}),
    ...(scaled ? { rateBudgetOf: scaled } : {}),
    baseUrl,
    clientId: config.pluggy.clientId,
    clientSecret: config.pluggy.clientSecret,
    timeoutMs: config.pluggy.timeoutMs,
    ...(logger ? { logger: logger.child({ component: 'pluggy' }) } : {}),
  });
}
