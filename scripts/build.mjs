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
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
/** Written last: its mtime is the moment of the last complete build. */
const STAMP = path.join(DIST, '.built');
const INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

const isTest = (f) => f.endsWith('.test.ts');

const WEB = path.join(ROOT, 'web');
const WEB_DIST = path.join(WEB, 'dist');
const WEB_STAMP = path.join(WEB_DIST, '.built');
/** The Connect page's JavaScript, all chunks together, gzipped: the budget. */
const WEB_JS_BUDGET_BYTES = 200 * 1024;

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

const LOCK = path.join(ROOT, '.build-lock');

/**
 * One build at a time per checkout: processes that find dist/ stale together (test files started
 * side by side, `npm start` beside `npm run cli`) would otherwise swap their outputs over each other.
 * The lock is a directory (mkdir is atomic) holding its owner's pid; a lock whose owner is gone is
 * taken over. The caller re-checks freshness inside: the build it waited for may be all it needed.
 */
function withBuildLock(fn) {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (!lockOwnerAlive()) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`waited 10 minutes for another build (${LOCK})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function lockOwnerAlive() {
  let pid;
  try {
    pid = Number(readFileSync(path.join(LOCK, 'pid'), 'utf8'));
  } catch {
    // Created but its pid not written yet: the owner is alive, between its two calls. A lock left
    // at exactly that point by a killed process is taken over once it is a minute old.
    try {
      return Date.now() - statSync(LOCK).mtimeMs < 60_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Builds when dist/ is missing or older than any input; says why on stderr. */
export function ensureBuilt() {
  ensureWebBuilt();
  const builtAt = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
  if (builtAt && builtAt >= newestInput()) return;
  if (!tscPath()) {
    if (builtAt) return; // installed without devDependencies: run what was shipped
    throw new Error('dist/ is missing and TypeScript is not installed: run `npm install` first');
  }
  withBuildLock(() => {
    const again = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
    if (again && again >= newestInput()) return;
    const ms = build();
    process.stderr.write(`built dist/ from src/ in ${ms} ms\n`);
  });
}

function newestWebInput() {
  let newest = 0;
  const walk = (dir) => {
    newest = Math.max(newest, statSync(dir).mtimeMs);
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (dir === WEB && e.name.startsWith('dist')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(WEB);
  for (const f of ['package-lock.json', 'scripts/build.mjs']) {
    const p = path.join(ROOT, f);
    if (existsSync(p)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function vitePath() {
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  return existsSync(vite) ? vite : undefined;
}

/**
 * The Connect page (web/) → web/dist/, served by the service at /connect. Vite's production build
 * (no config file: root, base and output are all it needs), built beside web/dist and swapped in
 * whole like dist/. Prints the gzipped size of all its JavaScript and fails over the budget.
 * Returns milliseconds.
 */
export function buildWeb() {
  const vite = vitePath();
  if (!vite) throw new Error('cannot build the Connect page: Vite is not installed (run `npm install`)');
  const began = performance.now();
  const outName = `dist.next-${process.pid}`;
  const next = path.join(WEB, outName);
  rmSync(next, { recursive: true, force: true });
  try {
    const res = spawnSync(
      process.execPath,
      [vite, 'build', WEB, '--base', '/connect/', '--outDir', outName, '--emptyOutDir', '--logLevel', 'warn'],
      // Production React whatever the caller's NODE_ENV (vitest sets `test`, which gives a dev build).
      { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
    );
    if (res.status !== 0) throw new Error(`vite build failed (exit ${res.status ?? res.signal})`);
    const js = listFiles(next).filter((f) => f.endsWith('.js'));
    const gzipped = js.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    const kb = (gzipped / 1024).toFixed(1);
    process.stderr.write(`Connect page: ${js.length} JavaScript file(s), ${kb} KB gzipped (budget 200 KB)\n`);
    if (gzipped > WEB_JS_BUDGET_BYTES)
      throw new Error(`the Connect page's JavaScript is ${kb} KB gzipped, over 200 KB`);
    writeFileSync(path.join(next, '.built'), `${new Date().toISOString()}\n`);
    const old = path.join(WEB, `dist.old-${process.pid}`);
    if (existsSync(WEB_DIST)) renameSync(WEB_DIST, old);
    renameSync(next, WEB_DIST);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(next, { recursive: true, force: true });
  }
  return Math.round(performance.now() - began);
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** Builds web/dist/ when missing or older than web/ (or the lockfile); `npm start` and the browser tests call it. */
export function ensureWebBuilt() {
  const builtAt = existsSync(WEB_STAMP) ? statSync(WEB_STAMP).mtimeMs : 0;
  if (builtAt && builtAt >= newestWebInput()) return;
  if (!vitePath()) {
    if (builtAt) return; // installed without devDependencies: serve what was shipped
    process.stderr.write('web/dist/ is missing and Vite is not installed: /connect will answer 503\n');
    return;
  }
  withBuildLock(() => {
    const again = existsSync(WEB_STAMP) ? statSync(WEB_STAMP).mtimeMs : 0;
    if (again && again >= newestWebInput()) return;
    const ms = buildWeb();
    process.stderr.write(`built web/dist/ from web/ in ${ms} ms\n`);
  });
}

export const DIST_CLI = path.join(DIST, 'cli.js');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ms = build();
  process.stdout.write(`built dist/ in ${ms} ms\n`);
  const webMs = buildWeb();
  process.stdout.write(`built web/dist/ in ${webMs} ms\n`);
}
