import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { HostReadError } from './errors.js';

/** The path of a kernel file below the observed filesystem root (`/` in production, a fixture tree in tests). */
export function hostPath(root: string, ...segments: string[]): string {
  return path.join(root, ...segments);
}

/** Reads a file the snapshot cannot do without; any failure becomes a HostReadError. */
export async function readRequiredFile(filePath: string): Promise<string> {
  try {
    return await readFile(filePath, 'utf8');
  } catch (error) {
    throw new HostReadError(filePath, error);
  }
}

/**
 * Reads a file that may legitimately be absent (cgroup files, diskstats in some sandboxes): absent gives
 * null; a file that exists but cannot be read is still an error, so a broken host is not mistaken for
 * an unlimited one.
 */
export async function readOptionalFile(filePath: string): Promise<string | null> {
  try {
    return await readFile(filePath, 'utf8');
  } catch (error) {
    if (isAbsent(error)) return null;
    throw new HostReadError(filePath, error);
  }
}

export async function isDirectory(dirPath: string): Promise<boolean> {
  try {
    return (await stat(dirPath)).isDirectory();
  } catch (error) {
    if (isAbsent(error)) return false;
    throw new HostReadError(dirPath, error);
  }
}

function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
