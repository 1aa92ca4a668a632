/** Base of every failure to observe the host, so a caller can catch this module's errors as one. */
export abstract class HostError extends Error {}

/** A file the snapshot cannot do without is missing, or a file that exists cannot be read. */
export class HostReadError extends HostError {
  override readonly name = 'HostReadError';

  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A kernel file was read but does not have the format this module knows. */
export class HostParseError extends HostError {
  override readonly name = 'HostParseError';

  /** `file` is the kernel file whose format was wrong (`/proc/stat`, `cpu.max` …), not a rooted path. */
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`unexpected content in ${file}: ${detail}`);
  }
}
