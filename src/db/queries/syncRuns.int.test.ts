import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing.ts';
import {
  abandonRunningRuns,
  addRunProgress,
  failRun,
  finishRun,
  getRun,
  listRuns,
  startRun,
} from './syncRuns.ts';

describe('sync runs', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.drop());

  it('goes running → succeeded with cumulative counts, once', async () => {
    const run = await startRun(t.pool, { itemId: 'item-a', kind: 'incremental', jobId: 'job-1' });
    expect(run).toMatchObject({
      itemId: 'item-a',
      kind: 'incremental',
      status: 'running',
      jobId: 'job-1',
      rowsInserted: 0,
      finishedAt: null,
    });
    expect(await addRunProgress(t.pool, run.id, { rowsInserted: 500, rowsUnchanged: 10, pages: 1 })).toBe(
      true,
    );
    expect(
      await finishRun(t.pool, run.id, { rowsInserted: 20, rowsUpdated: 3, rowsDeleted: 1, pages: 1 }),
    ).toBe(true);
    expect(await finishRun(t.pool, run.id)).toBe(false);
    expect(await failRun(t.pool, run.id, 'late')).toBe(false);
    const done = await getRun(t.pool, run.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      rowsInserted: 520,
      rowsUpdated: 3,
      rowsDeleted: 1,
      rowsUnchanged: 10,
      pages: 2,
      error: null,
    });
    expect(done?.finishedAt).toBeInstanceOf(Date);
  });

  it('fails with an error, lists newest first, and abandons runs of a dead process', async () => {
    const failed = await startRun(t.pool, { itemId: 'item-b', kind: 'full' });
    expect(await failRun(t.pool, failed.id, 'Pluggy answered 500', { pages: 3 })).toBe(true);
    expect(await getRun(t.pool, failed.id)).toMatchObject({
      status: 'failed',
      error: 'Pluggy answered 500',
      pages: 3,
    });

    const stuck = await startRun(t.pool, { itemId: 'item-b', kind: 'safety_net' });
    const runs = await listRuns(t.pool, { itemId: 'item-b' });
    expect(runs.map((r) => r.id)).toEqual([stuck.id, failed.id]);
    expect(await listRuns(t.pool, { itemId: 'item-b', status: 'failed' })).toHaveLength(1);

    expect(await abandonRunningRuns(t.pool, new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(1);
    expect(await getRun(t.pool, stuck.id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/abandoned/),
    });
  });
});
