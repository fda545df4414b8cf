// `npm run build`: src/ → dist/ as plain JavaScript that `node` runs without tsx.
//
// TypeScript 7's native `tsc` emits one .js per .ts with relative `.ts` imports rewritten to `.js`
// (rewriteRelativeImportExtensions), so dist/ mirrors src/ and paths resolved from
// `import.meta.url` (migrations, the sandbox's Connect page) keep working once the non-TypeScript
// files are copied beside them. Type errors are `npm run typecheck`'s job; the build only emits
// (noCheck). Measured on this 2-core machine: tsc ~0.9 s for the whole of src/, esbuild ~0.3 s with
// a resolve plugin to rewrite extensions; tsc needs no plugin and emits exactly what typecheck saw.
//
// `ensureBuilt()` is what `npm start` and `npm run cli` call: it rebuilds only when a source is
// newer than the last build, so a pulled change is never served stale and an unchanged tree starts
// at once. A production install without devDependencies (no tsc) runs the dist/ it was given.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
/** Written last: its mtime is the moment of the last complete build. */
const STAMP = path.join(DIST, '.built');
const INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

const isTest = (f) => f.endsWith('.test.ts');

/**
 * Newest modification among the inputs. Directories count too: deleting or renaming a file
 * changes its folder's mtime, so a removed module triggers a rebuild as well.
 */
function newestInput() {
  let newest = 0;
  const walk = (dir) => {
    newest = Math.max(newest, statSync(dir).mtimeMs);
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (!isTest(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(SRC);
  for (const f of INPUTS) {
    const p = path.join(ROOT, f);
    if (existsSync(p)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function tscPath() {
  // TypeScript's package `exports` hide bin/, so the path is taken from where npm installed it.
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  return existsSync(tsc) ? tsc : undefined;
}

/** Compiles src/ into a fresh dist/ and copies the files read at run time. Returns milliseconds. */
export function build() {
  const tsc = tscPath();
  if (!tsc) throw new Error('cannot build: TypeScript is not installed (run `npm install`)');
  const began = performance.now();
  // Built beside dist/ and swapped in whole, so a process running from dist/ (the service, while a
  // CLI command rebuilds) never sees it half-written, and a failed build leaves the old one.
  const next = path.join(ROOT, `dist.next-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  try {
    const res = spawnSync(
      process.execPath,
      [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', next],
      { cwd: ROOT, stdio: 'inherit' },
    );
    if (res.status !== 0) throw new Error(`tsc failed (exit ${res.status ?? res.signal})`);
    // SQL migrations and the Connect page's browser files are read from disk beside their modules.
    cpSync(SRC, next, {
      recursive: true,
      filter: (src) => statSync(src).isDirectory() || !/\.(ts|tsx)$/.test(src),
    });
    writeFileSync(path.join(next, '.built'), `${new Date().toISOString()}\n`);
    const old = path.join(ROOT, `dist.old-${process.pid}`);
    if (existsSync(DIST)) renameSync(DIST, old);
    renameSync(next, DIST);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(next, { recursive: true, force: true });
  }
  return Math.round(performance.now() - began);
}

/** Builds when dist/ is missing or older than any input; says why on stderr. */
export function ensureBuilt() {
  const builtAt = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
  if (builtAt && builtAt >= newestInput()) return;
  if (!tscPath()) {
    if (builtAt) return; // installed without devDependencies: run what was shipped
    throw new Error('dist/ is missing and TypeScript is not installed: run `npm install` first');
  }
  const ms = build();
  process.stderr.write(`built dist/ from src/ in ${ms} ms\n`);
}

export const DIST_CLI = path.join(DIST, 'cli.js');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ms = build();
  process.stdout.write(`built dist/ in ${ms} ms\n`);
}
