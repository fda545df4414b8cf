import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * `npm run bench [-- name …]`: runs each benchmark in its own process (so one's memory and
 * connections never colour another's figures); each prints its own table.
 */
const BENCHES: Record<string, string> = {
  backfill: 'bench/backfill.ts',
  webhooks: 'bench/webhooks.ts',
  processing: 'bench/processing.ts',
  mcp: 'bench/mcp.ts',
  answers: 'bench/answers.ts',
  charts: 'bench/charts.ts',
};

export async function run(argv: string[]): Promise<void> {
  const names = argv.length ? argv : Object.keys(BENCHES);
  let failed = 0;
  for (const name of names) {
    const file = BENCHES[name];
    if (!file) {
      process.stderr.write(`unknown benchmark: ${name} (known: ${Object.keys(BENCHES).join(', ')})\n`);
      process.exitCode = 2;
      return;
    }
    if (!existsSync(file)) {
      process.stderr.write(`benchmark ${name} is missing (${file})\n`);
      failed++;
      continue;
    }
    process.stdout.write(`\n## ${name}\n\n`);
    const res = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(file)], { stdio: 'inherit' });
    if (res.status !== 0) failed++;
  }
  if (failed) process.exitCode = 1;
}
