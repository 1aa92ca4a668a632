import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Periodic } from '../../../src/util/periodic.js';

/** Lets the promise callbacks queued by a run settle (no wall-clock time passes). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Periodic', () => {
  it('runs one interval after start, then one interval after each run ends; a failure is reported and the loop goes on', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const errors: unknown[] = [];
    let runs = 0;
    let release: (() => void) | null = null;
    const periodic = new Periodic(
      1000,
      () => {
        runs += 1;
        if (runs === 2) return Promise.reject(new Error('boom'));
        return new Promise<void>((resolve) => (release = resolve));
      },
      (error) => errors.push(error),
    );
    periodic.start();
    periodic.start(); // a second start is not a second loop
    t.mock.timers.tick(999);
    assert.equal(runs, 0);
    t.mock.timers.tick(1);
    assert.equal(runs, 1);
    // The first run is still going: no overlap however long it takes.
    t.mock.timers.tick(5000);
    assert.equal(runs, 1);
    release!();
    await settle();
    t.mock.timers.tick(1000);
    assert.equal(runs, 2);
    await settle();
    assert.deepEqual(errors.map((e) => (e as Error).message), ['boom']);
    t.mock.timers.tick(1000);
    assert.equal(runs, 3);
    const stopped = periodic.stop();
    release!();
    await stopped; // waits for the run under way
    t.mock.timers.tick(10_000);
    assert.equal(runs, 3);
  });
});
