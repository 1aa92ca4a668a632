/**
 * Keeps the agent's rooms from leaning on each other (docs/architecture.md, "Rooms of the agent"):
 * the import graph of backend/src has no cycle, type-only imports included, and code outside the
 * backend reaches it only through its entry points: `@patroni-tuner/backend/contract`, and for the
 * test harnesses `@patroni-tuner/backend/harness`.
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
 * The backend's entry points for code outside backend/, by folder: the Grafana app (plugin/) takes
 * the wire contract only; the test harnesses (test/: lab, benchmarks, deployment checks, workload)
 * also take the harness entry point, the agent's own pieces they drive.
 */
const ENTRY_POINTS: Readonly<Record<string, readonly string[]>> = {
  plugin: ['@patroni-tuner/backend/contract'],
  test: ['@patroni-tuner/backend/contract', '@patroni-tuner/backend/harness'],
};
const BACKEND_PACKAGE = '@patroni-tuner/backend';

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

/** Every module specifier one file imports or re-exports. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(SPECIFIER)].flatMap((match) => match[1] ?? match[2] ?? match[3] ?? []);
}

/** Relative specifiers of one file, resolved to the .ts files they name. */
function relativeImports(file: string): string[] {
  return specifiers(file)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
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

test('outside backend/, backend code is imported only through its entry points (contract; harness for test/)', () => {
  const offending: string[] = [];
  for (const [top, allowed] of Object.entries(ENTRY_POINTS)) {
    for (const file of sourceFiles(join(repoRoot, top))) {
      for (const specifier of specifiers(file)) {
        const deep = specifier.startsWith('.') && resolve(dirname(file), specifier).startsWith(backendRoot + sep);
        const packaged = (specifier === BACKEND_PACKAGE || specifier.startsWith(`${BACKEND_PACKAGE}/`)) && !allowed.includes(specifier);
        if (deep || packaged) offending.push(`${rel(file)} -> ${specifier}`);
      }
    }
  }
  assert.deepEqual(offending.sort(), [], 'import backend code through @patroni-tuner/backend/contract (or, from test/, /harness)');
});
