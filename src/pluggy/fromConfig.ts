import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { createPluggyClient, type PluggyClient } from './index.ts';

/** The client as the service and the CLI build it: credentials and timeout from config. */
export function pluggyClientFromConfig(config: Config, baseUrl: string, logger?: Logger): PluggyClient {
  return createPluggyClient({
    baseUrl,
    clientId: config.pluggy.clientId,
    clientSecret: config.pluggy.clientSecret,
    timeoutMs: config.pluggy.timeoutMs,
    ...(logger ? { logger: logger.child({ component: 'pluggy' }) } : {}),
  });
}
