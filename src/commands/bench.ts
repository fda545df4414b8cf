import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm run bench [-- [--quick] name …]`: runs each benchmark in its own process (so one's memory and
 * connections never colour another's figures); each prints its own table and writes it to
 * bench/results/<name>.md.
 *
 * `--quick` runs every table at a tenth of the size (about two minutes in all), for CI: it proves
 * each benchmark still runs to the end, prints its figures and asserts none. Its tables go to a
 * scratch folder, never over the full-size figures kept in bench/results.
 */
type Bench = { file: string; quick: string[] };
const BENCHES: Record<string, Bench> = {
  webhooks: { file: 'bench/webhooks.ts', quick: ['--requests', '2000', '--rounds', '1'] },
  processing: { file: 'bench/processing.ts', quick: ['--events', '1000'] },
  backfill: { file: 'bench/backfill.ts', quick: ['--per-account', '5000'] },
  incremental: { file: 'bench/incremental.ts', quick: ['--per-account', '2500', '--new', '10'] },
  connectors: { file: 'bench/connectors.ts', quick: ['--requests', '100'] },
  scaleout: { file: 'bench/scaleout.ts', quick: ['--events', '600', '--configs', '2x3'] },
  reads: {
    file: 'bench/reads.ts',
    quick: ['--per-account', '1250', '--duration', '1', '--live-duration', '2'],
  },
  answers: { file: 'bench/answers.ts', quick: ['--transactions', '5000', '--rounds', '20'] },
  charts: { file: 'bench/charts.ts', quick: ['--rounds', '5'] },
  mcp: { file: 'bench/mcp.ts', quick: ['--transactions', '5000', '--calls', '40'] },
};

export async function run(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const asked = argv.filter((a) => a !== '--quick');
  const names = asked.length ? asked : Object.keys(BENCHES);
  const unknown = names.filter((n) => !BENCHES[n]);
  if (unknown.length) {
    process.stderr.write(
      `unknown benchmark: ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})\n`,
    );
    process.exitCode = 2;
    return;
  }
  const scratch = quick ? mkdtempSync(path.join(os.tmpdir(), 'bench-quick-')) : undefined;
  const env = scratch ? { ...process.env, BENCH_RESULTS_DIR: scratch } : process.env;
  const failed: string[] = [];
  const started = performance.now();
  try {
    for (const name of names) {
      const bench = BENCHES[name]!;
      if (!existsSync(bench.file)) {
        process.stderr.write(`benchmark ${name} is missing (${bench.file})\n`);
        failed.push(name);
        continue;
      }
      process.stdout.write(`\n## ${name}${quick ? ' (quick: a tenth of the size)' : ''}\n\n`);
      const t0 = performance.now();
      const res = spawnSync(
        process.execPath,
        ['--import', 'tsx', path.resolve(bench.file), ...(quick ? bench.quick : [])],
        { stdio: 'inherit', env },
      );
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      if (res.status !== 0) failed.push(name);
      process.stdout.write(
        `\n(${name}: ${res.status === 0 ? 'done' : `FAILED (exit ${res.status ?? res.signal})`} in ${seconds} s)\n`,
      );
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  const total = ((performance.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    `\nbenchmarks: ${names.length - failed.length} ran, ${failed.length} failed${failed.length ? ` (${failed.join(', ')})` : ''}, ${total} s\n`,
  );
  if (failed.length) process.exitCode = 1;
}
