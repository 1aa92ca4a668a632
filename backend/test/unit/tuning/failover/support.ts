/**
 * Topologies for the failover tests: the recorded Patroni responses (3.0.2 and 4.1.5, normalised),
 * and small edits of them that put a given member in the lead on a given timeline with a given health.
 * Plus a script runner so a scenario can be replayed with or without an agent restart in between.
 */
import assert from 'node:assert/strict';
import { normalizeCluster } from '../../../../src/patroni/normalize.js';
import type { MemberHealth, Topology } from '../../../../src/topology/model.js';
import {
  acknowledge,
  DEFAULT_FAILOVER_SETTINGS,
  restoreFailed,
  restoreSucceeded,
  step,
  type FailoverAction,
  type FailoverEvent,
  type FailoverSettings,
  type FailoverState,
  type FailoverTransition,
} from '../../../../src/tuning/failover/index.js';
import { readFixture } from '../../../fixtures/patroni/load.js';

export const VERSIONS = ['3.0.2', '4.1.5'] as const;
export type RecordedVersion = (typeof VERSIONS)[number];

/** A recorded /cluster answer, normalised: `cluster`, `cluster-after-switchover`, `cluster-paused`, `cluster-unlocked`. */
export function recorded(name: 'cluster' | 'cluster-after-switchover' | 'cluster-paused' | 'cluster-unlocked', version: RecordedVersion = '4.1.5'): Topology {
  return normalizeCluster(readFixture(version, `recorded/${name}.json`));
}

export interface Shape {
  /** Who holds the lock; null for nobody. */
  leader: string | null;
  /** Every member's (and so the cluster's) timeline; the recorded one when absent. */
  timeline?: number | null;
  /** The leader's health; `up` when absent. */
  leaderHealth?: MemberHealth;
  paused?: boolean;
  /** Force the lock flag (e.g. the local Patroni lost the DCS while a leader is listed). */
  unlocked?: boolean;
}

const STATE_OF: Record<MemberHealth, string> = {
  up: 'running',
  starting: 'starting',
  stopping: 'stopping',
  stopped: 'stopped',
  failed: 'start failed',
  unknown: 'unknown',
};

/** The recorded healthy cluster (node1 leading on timeline 1) edited to the given shape. */
export function shaped(shape: Shape, base: Topology = recorded('cluster')): Topology {
  const timeline = shape.timeline === undefined ? base.timeline : shape.timeline;
  const members = base.members.map((member) => {
    const isLeader = member.name === shape.leader;
    const health: MemberHealth = isLeader ? (shape.leaderHealth ?? 'up') : member.health;
    return {
      ...member,
      tags: { ...member.tags },
      isLeader,
      role: isLeader ? ('primary' as const) : ('replica' as const),
      health,
      state: isLeader || health !== 'up' ? STATE_OF[health] : member.state,
      timeline,
      lagBytes: isLeader ? null : (member.lagBytes ?? 0),
    };
  });
  return { ...base, members, leader: shape.leader, timeline, paused: shape.paused ?? false, unlocked: shape.unlocked ?? shape.leader === null };
}

/** 2025-01-01T12:00:00Z; every test time is T0 + something. */
export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
export const S = DEFAULT_FAILOVER_SETTINGS;

export function eventsOf(actions: FailoverAction[]): FailoverEvent[] {
  return actions.flatMap((action) => (action.type === 'record_event' ? [action.event] : []));
}

/** Compact, exact view of the actions: `from→to:cause@+ms`, `restore#n@+ms by m`, `failed#n@+ms`, `ignored#n`, `RESTORE#n`. */
export function summary(actions: FailoverAction[]): string[] {
  return actions.map((action) => {
    if (action.type === 'restore_baseline') return `RESTORE#${action.attempt} via ${action.leader}`;
    const event = action.event;
    const at = `@+${event.at - T0}`;
    switch (event.type) {
      case 'failover_phase_changed':
        return `${event.detail.from ?? '∅'}→${event.detail.to}:${event.detail.cause}${at}`;
      case 'failover_restore_requested':
        return `requested#${event.detail.attempt}${at} by ${event.member}`;
      case 'failover_restore_failed':
        return `failed#${event.detail.attempt}${at} retry+${event.detail.backoffMs}`;
      case 'failover_restore_outcome_ignored':
        return `ignored#${event.detail.attempt}:${event.detail.outcome}${at}`;
      case 'failover_members_verified':
        return `verified ${event.detail.members.join(',')}${at} remaining ${event.detail.remaining.join(',') || '∅'}`;
    }
  });
}

/** One thing that happens to the protocol, at `t` ms after T0. */
export type Op =
  | { op: 'observe'; t: number; topology: Topology | null; self: string | null }
  | { op: 'succeeded'; t: number; attempt: number; unverified?: string[] }
  | { op: 'failed'; t: number; attempt: number; error: string }
  | { op: 'ack'; t: number; by: string };

export function apply(state: FailoverState, op: Op, settings: FailoverSettings = S): FailoverTransition {
  const now = T0 + op.t;
  switch (op.op) {
    case 'observe':
      return step(state, { now, topology: op.topology, self: op.self }, settings);
    case 'succeeded':
      return restoreSucceeded(state, { now, attempt: op.attempt, unverified: op.unverified ?? [] });
    case 'failed':
      return restoreFailed(state, { now, attempt: op.attempt, error: op.error }, settings);
    case 'ack': {
      const result = acknowledge(state, { now, by: op.by });
      assert.ok(result.ok, `acknowledgement at +${op.t} refused: ${result.ok ? '' : result.message}`);
      return { state: result.state, actions: result.actions };
    }
  }
}

/** Runs ops in order; returns every intermediate state and all actions. */
export function run(state: FailoverState, ops: Op[], settings: FailoverSettings = S): { states: FailoverState[]; actions: FailoverAction[] } {
  const states: FailoverState[] = [];
  const actions: FailoverAction[] = [];
  let current = state;
  for (const op of ops) {
    const transition = apply(current, op, settings);
    current = transition.state;
    states.push(current);
    actions.push(...transition.actions);
  }
  return { states, actions };
}

/** Freezes an object graph so a test fails if anything mutates its input. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The event narrowed to its type (asserting it has that type). */
export function ofType<K extends FailoverEvent['type']>(event: FailoverEvent | undefined, type: K): Extract<FailoverEvent, { type: K }> {
  assert.ok(event, `expected a ${type} event`);
  assert.equal(event.type, type);
  return event as Extract<FailoverEvent, { type: K }>;
}
