/** The README's `### Errors` table is the error catalogue, row for row, so the two never diverge. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE } from '../../../src/api/error-catalogue.js';

const README = new URL('../../../../README.md', import.meta.url);

/** The table as the README must show it: one row per code, in the catalogue's order. */
function catalogueTable(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${meaning} |`);
  return ['| code | status | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The first table after the `### Errors` heading. */
function readmeTable(): string {
  const text = readFileSync(README, 'utf8');
  const section = /^### Errors\n([\s\S]*?)(?=^#)/m.exec(text);
  assert.ok(section, 'the README has an ### Errors section');
  const table = section[1]!.split('\n').filter((line) => line.startsWith('|'));
  return table.join('\n');
}

describe('error catalogue', () => {
  it('the README lists every code with its status and meaning, and nothing else', () => {
    assert.equal(readmeTable(), catalogueTable());
  });

  it('every status is a client or server error', () => {
    for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) assert.ok(status >= 400 && status < 600, code);
  });
});
