/**
 * Keeps the agent's rooms from leaning on each other (docs/architecture.md, "Rooms of the agent"):
 * the import graph of backend/src has no cycle, type-only imports included, and code outside the
 * backend reaches it only through `@patroni-tuner/backend/contract`, apart from the listed test
 * harness imports.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const backendRoot = join(repoRoot, 'backend');
const backendSrc = join(backendRoot, 'src');

/**
 * Imports of backend internals from outside backend/, each with why it is allowed. All are test
 * harness code (lab, benchmarks, deployment checks) that drives the real agent's pieces the way the
 * agent does; none ships. The Grafana app (plugin/) has no entry: it uses the contract only.
 */
const ALLOWED_OUTSIDE_IMPORTS: Readonly<Record<string, string>> = {
  'test/deploy/agent-build.test.ts -> backend/src/config/config.ts':
    'checks the built agent documents every configuration variable: needs the variable table itself',
  'test/deploy/compose.test.ts -> backend/src/config/config.ts':
    'validates the compose file against the agent\'s own configuration parser',
  'test/deploy/systemd.test.ts -> backend/src/config/config.ts':
    'checks the systemd environment file names every configuration variable',
  'test/lab/lab.ts -> backend/src/postgres/settings.ts':
    'the lab reads pg_settings exactly as the agent does, so its checks compare like with like',
  'test/bench/tuning.ts -> backend/src/patroni/client.ts':
    'the tuning benchmark applies random configurations through the agent\'s own Patroni client',
  'test/bench/tuning.ts -> backend/src/tuning/knobs/index.ts':
    'the benchmark builds the same knob catalogue the agent tunes',
  'test/bench/tuning.ts -> backend/src/tuning/optimizer/index.ts':
    'the random-search baseline samples with the optimizer\'s seeded sampler',
  'test/bench/tuning.ts -> backend/src/model/configuration-space.ts':
    'the type of a configuration the sampler returns',
  'test/bench/failover.ts -> backend/src/tuning/knobs/index.ts':
    'compares restored values with PostgreSQL-exact matching, as the agent verifies them',
  'test/workload/compare.ts -> backend/test/support/throwaway-postgres.ts':
    'the reference workload runs against the same throwaway PostgreSQL the backend\'s tests start',
  'test/workload/workload.test.ts -> backend/test/support/throwaway-postgres.ts':
    'as above: one throwaway-PostgreSQL helper for every test that needs a real server',
};

const SOURCE = /\.(ts|tsx)$/;
const SPECIFIER = /(?:^|[\s;}])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** Relative specifiers of one file, resolved to the .ts files they name. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (specifier === undefined || !specifier.startsWith('.')) continue;
    targets.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
  }
  return targets;
}

function rel(path: string): string {
  return relative(repoRoot, path).split(sep).join('/');
}

/** Every elementary cycle would be too many to name; one cycle per strongly connected component is enough to act on. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const seen = state.get(next);
      if (seen === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

test('the import graph of backend/src has no cycle (type-only imports included)', () => {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(backendSrc)) graph.set(rel(file), relativeImports(file).map(rel));
  assert.ok(graph.size > 50, `read ${graph.size} files of backend/src`);
  const named = cycles(graph).map((cycle) => cycle.join(' -> '));
  assert.deepEqual(named, [], `import cycles in backend/src:\n${named.join('\n')}`);
});

/** A room is a folder of backend/src (tuning's subfolders each one room, its loose files one more); a loose file of src is its own. */
function roomOf(file: string): string {
  const parts = relative(backendSrc, file).split(sep);
  if (parts[0] === 'tuning' && parts.length > 2) return `tuning/${parts[1]}`;
  return parts[0]!;
}

test('the rooms of backend/src do not lean on each other: their import graph has no cycle', () => {
  const rooms = new Map<string, string[]>();
  for (const file of sourceFiles(backendSrc)) {
    const from = roomOf(file);
    const targets = relativeImports(file).map(roomOf).filter((to) => to !== from);
    rooms.set(from, [...new Set([...(rooms.get(from) ?? []), ...targets])]);
  }
  assert.ok(rooms.has('model') && rooms.has('tuning/session'), `rooms read: ${[...rooms.keys()].join(', ')}`);
  const named = cycles(rooms).map((cycle) => cycle.join(' -> '));
  assert.deepEqual(named, [], `rooms that import each other:\n${named.join('\n')}`);
});

test('outside backend/, only the contract entry point and the listed harness imports reach backend internals', () => {
  const found = new Set<string>();
  for (const top of ['test', 'plugin']) {
    for (const file of sourceFiles(join(repoRoot, top))) {
      for (const target of relativeImports(file)) {
        if (target.startsWith(backendRoot + sep)) found.add(`${rel(file)} -> ${rel(target)}`);
      }
    }
  }
  const unlisted = [...found].filter((edge) => !(edge in ALLOWED_OUTSIDE_IMPORTS)).sort();
  assert.deepEqual(unlisted, [], 'import backend internals through @patroni-tuner/backend/contract, or list them with a reason');
  const stale = Object.keys(ALLOWED_OUTSIDE_IMPORTS).filter((edge) => !found.has(edge)).sort();
  assert.deepEqual(stale, [], 'allowed imports that no longer exist: remove them from the list');
});
