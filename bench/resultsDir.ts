import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a benchmark writes its markdown table: bench/results, unless BENCH_RESULTS_DIR says
 * otherwise (`bench --quick` points it at a scratch folder, so a CI run at a tenth of the size
 * never overwrites the figures kept in the repository).
 */
export function resultsDir(): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  return process.env.BENCH_RESULTS_DIR || path.join(root, 'bench', 'results');
}
