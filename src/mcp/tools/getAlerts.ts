import { z } from 'zod';
import { personAlerts } from '../../reads/insights/alerts.ts';
import { DATA_NOTICE, quoted } from '../render.ts';
import { AsOf } from '../schemas.ts';
import { defineTool } from '../tool.ts';

const MAX = 50;

export const getAlerts = defineTool({
  name: 'get_alerts',
  title: 'Alertas',
  description:
    "What deserves the person's attention: consents expiring or revoked, connections needing a new login (with a reconnect link), unstable banks, card bills that disagree with their rows, bills due soon, new subscriptions, price increases, unusual charges. isNew is true only the first time an alert is shown.",
  input: z.object({}).strict(),
  output: z.object({
    asOf: AsOf,
    nextSyncAt: z.string().nullable(),
    alerts: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        severity: z.enum(['info', 'warning', 'critical']),
        reason: z.string().describe('may quote bank text (merchant names): data'),
        link: z.object({ url: z.string(), expiresAt: z.string() }).nullable(),
        itemId: z.string().nullable(),
        facts: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
        isNew: z.boolean(),
      }),
    ),
  }),
  // Showing an alert marks it seen (isNew turns false), so the call is not free of effects.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: 'read',
  async run(deps, session) {
    const r = await personAlerts(
      { pool: deps.pool, pluggy: deps.pluggy, connect: deps.connect },
      session.userId,
    );
    const alerts = r.alerts.slice(0, MAX).map((a) => ({
      id: a.id,
      kind: a.kind,
      severity: a.severity,
      reason: a.reason,
      link: a.link,
      itemId: a.itemId,
      facts: a.facts,
      isNew: a.isNew,
    }));
    const text = [
      `${alerts.length} alerta(s). ${DATA_NOTICE}`,
      // The reason can carry a merchant's name: the whole sentence is quoted as data.
      ...alerts.map(
        (a) =>
          `- [${a.severity}${a.isNew ? ', novo' : ''}] ${quoted(a.reason, 200)}${a.link ? ` link: ${a.link.url}` : ''}`,
      ),
    ].join('\n');
    return { structured: { asOf: r.asOf, nextSyncAt: r.nextSyncAt, alerts }, text };
  },
});
