import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../fixtures/host/', import.meta.url));

/** The root of a fake filesystem under backend/test/fixtures/host/<name>. */
export function fixtureRoot(name: string): string {
  return path.join(FIXTURES, name);
}

export async function readFixture(name: string, relativePath: string): Promise<string> {
  return readFile(path.join(fixtureRoot(name), relativePath), 'utf8');
}
