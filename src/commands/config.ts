import { loadConfig } from '../config.ts';
import { redactUrl } from '../db/pool.ts';

const mask = (s: string) => (s.length <= 4 ? '****' : `${s.slice(0, 2)}…(${s.length} chars)`);

export async function run(): Promise<void> {
  const c = loadConfig();
  const shown = {
    ...c,
    pluggy: { ...c.pluggy, clientSecret: mask(c.pluggy.clientSecret) },
    webhookSecret: mask(c.webhookSecret),
    previousWebhookSecret: c.previousWebhookSecret && mask(c.previousWebhookSecret),
    apiTokens: c.apiTokens.map(mask),
    linkSigningSecret: mask(c.linkSigningSecret),
    databaseUrl: c.databaseUrl && redactUrl(c.databaseUrl),
  };
  process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
}
