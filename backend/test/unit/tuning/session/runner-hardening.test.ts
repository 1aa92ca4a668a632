/**
 * SessionRunner safety hardening (DESIGN.md §4 rules 10 and 11, issue 8 part A): a halt that lands
 * while any awaited call before a change is pending stops that change; the fresh check before a
 * change holds the start conditions and the timeline; a session that cannot confirm the cluster is
 * on its best or baseline configuration halts into the failover protocol instead of failing; the
 * baseline is read only once the reset postgresql.auto.conf is in force; the memory guardrail is
 * bound by the smallest member.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baselineConfiguration, GIB, SESSION_ID, sessionHarness, type Harness } from './fakes.js';

/** Port calls that change the cluster: a PATCH /config, an ALTER SYSTEM RESET, a pg_reload_conf(). */
const MUTATIONS = new Set(['patch', 'alterSystem', 'reload']);

const OVERRIDES = { work_mem: '64MB', random_page_cost: '1.5' };

interface HaltPoint {
  name: string;
  /** Installs the halt so it lands while the awaited call is pending; returns the log length at the halt. */
  arm(h: Harness, halted: (position: number) => void): void;
  /** The mutation the halt must have stopped. */
  stops: 'patch' | 'alterSystem' | 'reload';
}

/** Halts the runner while the `n`-th call of store method `method` is pending. */
function haltDuringStore(h: Harness, method: 'recordPatch' | 'recordAutoconfRemoval', n: number, halted: (position: number) => void): void {
  const original = h.store[method].bind(h.store) as (...args: unknown[]) => Promise<unknown>;
  let calls = 0;
  Object.assign(h.store, {
    [method]: async (...args: unknown[]) => {
      const result = await original(...args);
      calls += 1;
      if (calls === n) {
        halted(h.cluster.log.length);
        h.runner.halt('topology changed: paused');
      }
      return result;
    },
  });
}

/** Halts the runner while the `n`-th call of the cluster's `method` is pending. */
function haltDuringCall(h: Harness, method: 'readSettings' | 'readAutoconfOverrides', n: number, halted: (position: number) => void): void {
  const original = h.cluster[method].bind(h.cluster) as () => Promise<unknown>;
  let calls = 0;
  Object.assign(h.cluster, {
    [method]: async () => {
      const result = await original();
      calls += 1;
      if (calls === n) {
        halted(h.cluster.log.length);
        h.runner.halt('topology changed: paused');
      }
      return result;
    },
  });
}

const HALT_POINTS: HaltPoint[] = [
  {
    name: 'the fresh role check before the first ALTER SYSTEM RESET',
    stops: 'alterSystem',
    arm: (h, halted) => {
      h.cluster.onCheckLeader = () => {
        if (h.cluster.heldChecks.length !== 1) return;
        halted(h.cluster.log.length);
        h.runner.halt('topology changed: paused');
      };
    },
  },
  { name: 'readSettings before ALTER SYSTEM RESET', stops: 'alterSystem', arm: (h, halted) => haltDuringCall(h, 'readSettings', 1, halted) },
  { name: 'readAutoconfOverrides before ALTER SYSTEM RESET', stops: 'alterSystem', arm: (h, halted) => haltDuringCall(h, 'readAutoconfOverrides', 1, halted) },
  {
    name: 'recording the removal of the last override (store) before ALTER SYSTEM RESET',
    stops: 'alterSystem',
    arm: (h, halted) => haltDuringStore(h, 'recordAutoconfRemoval', 2, halted),
  },
  {
    name: 'the first ALTER SYSTEM RESET, before the next one and the reload',
    stops: 'reload',
    arm: (h, halted) => {
      h.cluster.onAlterSystem = () => {
        if (h.cluster.log.filter((c) => c === 'alterSystem').length !== 1) return;
        halted(h.cluster.log.length);
        h.runner.halt('topology changed: paused');
      };
    },
  },
  {
    name: "the fresh role check before iteration 1's PATCH",
    stops: 'patch',
    arm: (h, halted) => {
      h.cluster.onCheckLeader = () => {
        if (h.cluster.heldChecks.length !== 2) return;
        halted(h.cluster.log.length);
        h.runner.halt('topology changed: paused');
      };
    },
  },
  { name: "recording iteration 1's PATCH (store)", stops: 'patch', arm: (h, halted) => haltDuringStore(h, 'recordPatch', 1, halted) },
  { name: 'recording the restore of the best after a refused PATCH (store)', stops: 'patch', arm: (h, halted) => haltDuringStore(h, 'recordPatch', 2, halted) },
  {
    name: 'the fresh role check before the final apply',
    stops: 'patch',
    arm: (h, halted) => {
      h.cluster.onCheckLeader = () => {
        if (h.cluster.heldChecks.length !== 3) return;
        halted(h.cluster.log.length);
        h.runner.halt('topology changed: paused');
      };
    },
  },
];

describe('SessionRunner: a halt while a call before a change is pending', () => {
  for (const point of HALT_POINTS) {
    it(`during ${point.name}: nothing is changed after the halt`, async () => {
      const h = await sessionHarness({
        options: { iterations: 1 },
        script: [{ changes: { work_mem: 8192 } }],
        cluster: { autoconf: { ...OVERRIDES } },
      });
      if (point.name.includes('refused PATCH')) h.cluster.failPatches = 1;
      let position: number | null = null;
      point.arm(h, (at) => (position ??= at));

      const final = await h.runner.run();

      assert.notEqual(position, null, 'the halt happened');
      assert.equal(final.state, 'halted');
      assert.equal(final.reason, 'topology changed: paused');
      const after = h.cluster.log.slice(position!).filter((call) => MUTATIONS.has(call));
      assert.deepEqual(after, [], `changes after the halt: ${h.cluster.log.slice(position!).join(', ')}`);
      assert.ok(!h.cluster.log.includes(point.stops) || h.cluster.log.lastIndexOf(point.stops) < position!, `${point.stops} after the halt`);
      // Every PATCH recorded was either sent before the halt or completed as not sent.
      const records = await h.store.listPatches(SESSION_ID);
      assert.equal(records.filter((r) => r.outcome === 'ok').length, h.cluster.patches.filter((p) => p.ok).length);
      for (const record of records.slice(h.cluster.patches.length)) {
        assert.deepEqual([record.outcome, record.error], ['error', 'not sent: topology changed: paused']);
      }
    });
  }
});

describe('SessionRunner: the fresh check before a change holds the start conditions', () => {
  it('a cluster paused after the baseline window: the check refuses, the session halts, nothing is sent', async () => {
    const h = await sessionHarness({ options: { iterations: 2 }, script: [{ changes: { work_mem: 8192 } }, { changes: { jit: false } }] });
    h.cluster.onSnapshot = (count) => {
      if (count === 2) h.cluster.paused = true;
    };
    const final = await h.runner.run();

    assert.equal(final.state, 'halted');
    assert.equal(final.reason, 'not changing configuration: the cluster is paused (maintenance mode)');
    assert.deepEqual(h.cluster.patches, []);
    assert.deepEqual(await h.store.listPatches(SESSION_ID), []);
  });

  it('an unhealthy member or a new timeline refuses the check; the first check pins the timeline every later one holds', async () => {
    for (const change of ['blocker', 'timeline'] as const) {
      const h = await sessionHarness({ options: { iterations: 2 }, script: [{ changes: { work_mem: 8192 } }, { changes: { jit: false } }] });
      h.cluster.timeline = 3;
      h.cluster.onSnapshot = (count) => {
        if (count !== 4) return;
        if (change === 'blocker') h.cluster.blockers = ['member node2 is stopped'];
        else h.cluster.timeline = 4;
      };
      const final = await h.runner.run();

      assert.equal(final.state, 'halted', change);
      assert.equal(
        final.reason,
        change === 'blocker' ? 'not changing configuration: member node2 is stopped' : 'not changing configuration: the timeline changed from 3 to 4',
      );
      assert.deepEqual(h.cluster.heldChecks, [{ timeline: null }, { timeline: 3 }, { timeline: 3 }], change);
      assert.equal(h.cluster.patches.length, 1, "only iteration 1's candidate");
    }
  });
});

describe('SessionRunner: never off the baseline without the protocol', () => {
  it('PATCH refused mid-iteration (DCS down) and both restores refused: the session halts with the reason, it does not fail', async () => {
    for (const failsafeMode of [false, true]) {
      const h = await sessionHarness({ options: { iterations: 2 }, script: [{ changes: { work_mem: 8192 } }, { changes: { jit: false } }], cluster: { failsafeMode } });
      h.cluster.failPatches = 3; // the candidate, the restore of the best (the baseline here), the baseline
      const final = await h.runner.run();

      assert.equal(final.state, 'halted', `failsafe ${failsafeMode}`);
      assert.equal(final.endedAt, null, 'a halt is not an end: the failover protocol takes over');
      assert.equal(h.runner.interruption?.kind, 'halt', 'the manager hands a halted run to the coordinator');
      const note = failsafeMode
        ? 'Patroni failsafe_mode is on: the leader keeps running while the DCS is unreachable'
        : 'Patroni failsafe_mode is off: a leader that cannot reach the DCS is demoted';
      assert.equal(
        final.reason,
        'could not confirm the cluster is on its best or baseline configuration: PATCH /config failed: Patroni answered 503: not healthy ' + `(${note})`,
      );
      assert.deepEqual(
        (await h.store.listPatches(SESSION_ID)).map((p) => [p.iteration, p.outcome]),
        [
          [1, 'error'],
          [1, 'error'],
          [null, 'error'],
        ],
        'bounded: three attempts, then the protocol',
      );
      assert.equal((await h.store.listEvents(SESSION_ID)).at(-1)?.type, 'session_halted');
    }
  });

  it('a failure after the baseline was verified back still fails the session (nothing unconfirmed)', async () => {
    const h = await sessionHarness({ options: { iterations: 2 }, script: [{ changes: { work_mem: 8192 } }, { changes: { jit: false } }] });
    h.cluster.failPatches = 2; // the candidate and the restore of the best; the baseline restore goes through
    const final = await h.runner.run();
    assert.equal(final.state, 'failed');
    assert.match(final.reason ?? '', /the baseline was restored$/);
  });
});

describe('SessionRunner: the baseline is read once the reset is in force', () => {
  it('waits until a backend has loaded the reset postgresql.auto.conf before recording the baseline', async () => {
    const h = await sessionHarness({ options: { iterations: 1 }, script: [{ changes: { jit: false } }], cluster: { autoconf: { ...OVERRIDES } } });
    h.cluster.reloadLagReads = 2;
    const final = await h.runner.run();

    assert.equal(final.state, 'completed');
    const baseline = await h.store.getBaseline(SESSION_ID);
    assert.equal(baseline?.effective.work_mem, 4096, 'the DCS/default value, not the 64MB override still loaded before the reload');
    assert.equal(baseline?.effective.random_page_cost, 4);
    assert.equal(h.cluster.log.filter((c) => c === 'readSettingsLoadedAfter').length, 3);
    assert.deepEqual(h.clock.sleeps.slice(0, 2), [500, 500], 'polled at verifyPollMs');
  });

  it('a reload never seen within the verify timeout fails the session before any baseline or PATCH', async () => {
    const h = await sessionHarness({ options: { iterations: 1 }, script: [{ changes: { jit: false } }], cluster: { autoconf: { ...OVERRIDES } } });
    h.cluster.reloadLagReads = 1_000;
    const final = await h.runner.run();

    assert.equal(final.state, 'failed');
    assert.equal(final.reason, 'PostgreSQL did not load the reset postgresql.auto.conf within 5000 ms; no baseline recorded');
    assert.equal(await h.store.getBaseline(SESSION_ID), null);
    assert.deepEqual(h.cluster.patches, []);
  });
});

describe('SessionRunner: the memory guardrail is bound by the smallest member', () => {
  const script = [{ changes: { work_mem: 16384 } }]; // 7.06 GiB worst case

  it('a replica on a smaller host rejects the candidate, naming it', async () => {
    const h = await sessionHarness({ options: { iterations: 1 }, script });
    h.cluster.member('node3').memoryBytes = 4 * GIB;
    const final = await h.runner.run();

    const iterations = await h.store.listIterations(SESSION_ID);
    assert.equal(iterations[1]?.state, 'rejected');
    assert.deepEqual(iterations[1]?.verdicts, [
      { guardrail: 'memory', ok: false, detail: 'worst-case memory 7.06 GiB vs 90 % of 4.00 GiB (member node3, the smallest) = 3.60 GiB' },
    ]);
    assert.deepEqual((await h.store.listPatches(SESSION_ID)).map((p) => p.iteration), [null], 'only the final baseline was sent');
    assert.equal(final.result?.final, 'baseline');
    assert.ok(!(await h.store.listEvents(SESSION_ID)).some((e) => e.type === 'member_memory_unknown'));
  });

  it("a member whose memory cannot be read counts as this agent's host, and an event says so", async () => {
    const h = await sessionHarness({ options: { iterations: 1 }, script, hostMemoryBytes: 4 * GIB, cluster: { memoryBytes: 16 * GIB } });
    h.cluster.member('node2').memoryBytes = null;
    await h.runner.run();

    const iterations = await h.store.listIterations(SESSION_ID);
    assert.equal(iterations[1]?.verdicts[0]?.detail, "worst-case memory 7.06 GiB vs 90 % of 4.00 GiB (this agent's host (node1), the smallest) = 3.60 GiB");
    const event = (await h.store.listEvents(SESSION_ID)).find((e) => e.type === 'member_memory_unknown');
    assert.deepEqual(event?.detail, { members: [{ member: 'node2', error: 'permission denied for function pg_read_file' }], assumedBytes: 4 * GIB });
    assert.deepEqual(h.cluster.dcs, h.cluster.initialDcs);
    assert.equal(h.cluster.valueOn('node1', 'work_mem'), baselineConfiguration().work_mem);
  });
});
