import { parseArgs } from 'node:util';
import { createLogger } from '../log.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';

const USAGE = `usage: npm run cli -- sandbox [options]

Runs the local Pluggy sandbox until Ctrl-C. Options:
  --port N                    listen port (default 8787; 0 = any free port)
  --host H                    listen address (default 127.0.0.1)
  --seed N                    data seed (default 42): same seed, same ids and amounts
  --step-delay-ms N           delay between item execution steps (default 300)
  --now ISO                   starting clock (default: now)
  --size-bank-accounts N      bank accounts per item (default 2)
  --size-card-accounts N      card accounts per item (default 1)
  --size-transactions N       transactions per account (default 400)
  --size-history-months N     months of history (default 13)
  --state-file PATH           keep items, data, webhooks and clock in this file across restarts
  --log-level L               info | debug | warn … (default info)
`;

const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
};

/** `npm run cli -- sandbox --port 8787`: prints the base URL and credentials, runs until a signal. */
export async function run(argv: string[] = []): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'step-delay-ms': { type: 'string' },
      now: { type: 'string' },
      'size-bank-accounts': { type: 'string' },
      'size-card-accounts': { type: 'string' },
      'size-transactions': { type: 'string' },
      'size-history-months': { type: 'string' },
      'log-level': { type: 'string' },
      'state-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const now = values.now ? new Date(values.now) : undefined;
  if (now && Number.isNaN(now.getTime())) throw new Error('--now must be an ISO date-time');
  const size = Object.fromEntries(
    Object.entries({
      bankAccounts: int('size-bank-accounts', values['size-bank-accounts']),
      cardAccounts: int('size-card-accounts', values['size-card-accounts']),
      transactionsPerAccount: int('size-transactions', values['size-transactions']),
      historyMonths: int('size-history-months', values['size-history-months']),
    }).filter(([, v]) => v !== undefined),
  );
  const logger = createLogger(values['log-level'] ?? 'info', process.stderr);
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      port: int('port', values.port) ?? 8787,
      host: values.host,
      seed: int('seed', values.seed),
      stepDelayMs: int('step-delay-ms', values['step-delay-ms']),
      now,
      size,
      logger,
      ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
    });
  } catch (err) {
    // A taken port is an operator's situation, not a bug: its message says what to do, no stack.
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code !== 'EADDRINUSE') throw err;
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
    [
      `Pluggy sandbox listening at ${sandbox.url}`,
      `  PLUGGY_BASE_URL=${sandbox.url}`,
      `  clientId:     ${sandbox.credentials.clientId}`,
      `  clientSecret: ${sandbox.credentials.clientSecret}`,
      '  sandbox logins: user-ok / password-ok (MFA 123456); admin API under /__sandbox',
      `  Connect stand-in page: ${sandbox.url}/connect`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void sandbox.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
