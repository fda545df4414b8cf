import type { Logger } from '../log.ts';
import { createPluggyClient, type PluggyClient, type RateGate } from './index.ts';

/**
 * The part of the service's configuration the client reads. Declared here, structurally, so that
 * src/pluggy depends on no other layer: the service's whole Config satisfies it.
 */
export type PluggyClientSettings = {
  pluggy: { clientId: string; clientSecret: string; timeoutMs: number };
};

/** The client as the service and the CLI build it: credentials and timeout from config. */
export function pluggyClientFromConfig(
  config: PluggyClientSettings,
  baseUrl: string,
  logger?: Logger,
  rateGate?: RateGate,
): PluggyClient {
  return createPluggyClient({
    ...(rateGate ? { rateGate } : {}),
    baseUrl,
    clientId: config.pluggy.clientId,
    clientSecret: config.pluggy.clientSecret,
    timeoutMs: config.pluggy.timeoutMs,
    ...(logger ? { logger: logger.child({ component: 'pluggy' }) } : {}),
  });
}
