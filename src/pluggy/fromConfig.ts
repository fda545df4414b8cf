import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { createPluggyClient, type PluggyClient, type RateGate } from './index.ts';

/** The client as the service and the CLI build it: credentials and timeout from config. */
export function pluggyClientFromConfig(
  config: Config,
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

export class NoPluggyError extends Error {
  override name = 'NoPluggyError';
}

/**
 * Where a one-off command (sync, backfill, webhooks) finds Pluggy. Configured: that URL. Local
 * mode: the sandbox a running `npm start` serves on SANDBOX_PORT — if it answers; otherwise an
 * error that says what to start, instead of a connection failure deep inside the first call.
 */
export async function pluggyForCommand(
  config: Config,
  logger?: Logger,
): Promise<{ pluggy: PluggyClient; baseUrl: string; local: boolean }> {
  if (config.pluggy.baseUrl) {
    const baseUrl = config.pluggy.baseUrl;
    return { pluggy: pluggyClientFromConfig(config, baseUrl, logger), baseUrl, local: false };
  }
  const baseUrl = `http://127.0.0.1:${config.sandboxPort}`;
  const answers = await fetch(`${baseUrl}/__sandbox`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (!answers) {
    throw new NoPluggyError(
      [
        `No Pluggy to talk to: in local mode (no PLUGGY_CLIENT_ID) Pluggy is the sandbox, and none answers at ${baseUrl}.`,
        'Either',
        '  - start the service (`npm start`), whose sandbox listens there, and run this again; or',
        '  - start a sandbox (`npm run cli -- sandbox` prints its address) and pass it:',
        '      PLUGGY_BASE_URL=http://127.0.0.1:8787 npm run cli -- <command>',
      ].join('\n'),
    );
  }
  return { pluggy: pluggyClientFromConfig(config, baseUrl, logger), baseUrl, local: true };
}
