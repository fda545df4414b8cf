import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` as Docker or systemd runs it: the signal goes to npm, and everything npm started
 * (the compiled service and its embedded PostgreSQL) must stop with it.
 */

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Direct children of `pid`, from /proc (no `ps` needed). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

function exited(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? child.signalCode);
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}

describe('npm start', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('serves compiled JavaScript, and SIGTERM to npm stops node and the embedded PostgreSQL', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pb-start-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const [port, sandboxPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dir,
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      EMBEDDED_PG_PORT: String(pgPort),
      LOG_LEVEL: 'info',
    };
    for (const k of ['DATABASE_URL', 'PLUGGY_CLIENT_ID', 'PLUGGY_CLIENT_SECRET', 'PLUGGY_BASE_URL', 'HOST']) {
      delete env[k];
    }
    // A build older than the sources (a pulled change) must be rebuilt before it is served.
    const stamp = path.resolve('dist', '.built');
    if (existsSync(stamp)) await utimes(stamp, new Date(0), new Date(0));
    let output = '';
    const npm = spawn('npm', ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    npm.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    npm.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const started = [npm.pid!];
    cleanup.push(() => {
      // Only if an assertion failed half-way: leave nothing running.
      for (const pid of [...started, ...childrenOf(npm.pid!)]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    });

    await expect
      .poll(
        async () => {
          if (npm.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
          const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
          return res?.status;
        },
        { timeout: 120_000, interval: 500 },
      )
      .toBe(200);

    // Rebuilt before it was served: by this start, or by a test file side by side that found the
    // same stale build first (builds take turns under scripts/build.mjs's lock).
    expect(statSync(stamp).mtimeMs).toBeGreaterThan(Date.parse('2020-01-01'));
    // npm's child is node itself (the script execs it), running dist/, not tsx.
    const [node] = childrenOf(npm.pid!);
    expect(node).toBeDefined();
    const cmdline = readFileSync(`/proc/${node}/cmdline`, 'utf8').split('\0');
    expect(cmdline.join(' ')).toContain('scripts/run.mjs start');
    expect(cmdline.join(' ')).not.toContain('tsx');
    const lockFile = path.join(dir, 'pg', 'postmaster.pid');
    const postmaster = Number(readFileSync(lockFile, 'utf8').split('\n')[0]);
    expect(alive(postmaster)).toBe(true);
    const backends = childrenOf(postmaster);
    started.push(node!, postmaster);
    expect(backends.length).toBeGreaterThan(0);

    // The banner says where everything is, and never the database password.
    await expect.poll(() => output, { timeout: 10_000 }).toContain('listening on');
    expect(output).toContain(`postgres://app:****@127.0.0.1:${pgPort}/app`);
    expect(output).toContain(`http://127.0.0.1:${port}/webhooks/pluggy`);
    expect(output).toContain(`base URL http://127.0.0.1:${sandboxPort}`);
    expect(output).toContain('LOCAL SANDBOX');
    const password = readFileSync(path.join(dir, 'pg', 'pluggy-bridge.password'), 'utf8').trim();
    expect(output).not.toContain(password);

    npm.kill('SIGTERM');
    const code = await Promise.race([
      exited(npm),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`npm still running:\n${output}`)), 60_000),
      ),
    ]);
    expect(code).toBe(0);
    await expect.poll(() => [node!, postmaster, ...backends].filter(alive), { timeout: 30_000 }).toEqual([]);
    expect(existsSync(lockFile)).toBe(false);
    expect(output).toContain('embedded PostgreSQL stopped');
  }, 240_000);
});
