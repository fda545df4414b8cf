export type Command = { run(argv: string[]): Promise<void> };

/** Every CLI command: name → one-line summary and a lazy loader (keeps `--help` instant). */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  start: { summary: 'run the service (same as npm start)', load: () => import('./start.ts') },
  config: {
    summary: 'print the effective configuration (secrets masked)',
    load: () => import('./config.ts'),
  },
  migrate: { summary: 'apply database migrations', load: () => import('./migrate.ts') },
  sandbox: { summary: 'run the local Pluggy sandbox', load: () => import('./sandbox.ts') },
  scenario: {
    summary: 'make the sandbox act like a bank: new rows, postings, restatements, re-login, clock, faults',
    load: () => import('./scenario.ts'),
  },
  sync: { summary: 'sync one item now, in the foreground, with progress', load: () => import('./sync.ts') },
  backfill: {
    summary: 'sync every item we hold (--all), in the foreground, with progress',
    load: () => import('./backfill.ts'),
  },
  webhooks: {
    summary: 'register or list Pluggy webhooks; replay a stored event',
    load: () => import('./webhooks.ts'),
  },
  status: {
    summary: 'what the service is doing: items, syncs, webhook backlog, queues, Pluggy calls and 429s',
    load: () => import('./status.ts'),
  },
  items: {
    summary: 'queue a re-sync of one item (resync <itemId>) or of every stale one (resync --stale)',
    load: () => import('./items.ts'),
  },
  mcp: { summary: "a person's finances as MCP tools over stdio (--phone)", load: () => import('./mcp.ts') },
  bench: {
    summary: 'run benchmarks and print their tables (also npm run bench)',
    load: () => import('./bench.ts'),
  },
};
