/** Polling waits with a deadline. Tests and the lab wait on conditions, never on fixed sleeps. */

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(what: string, timeoutMs: number, lastProblem: string | null) {
    super(`gave up after ${timeoutMs} ms waiting for ${what}${lastProblem ? ` (last: ${lastProblem})` : ''}`);
  }
}

export interface WaitOptions {
  /** Said in the error when the deadline passes: "waiting for <what>". */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Calls `probe` until it returns a value other than undefined/false, and returns that value.
 * A probe that throws counts as "not yet"; its message is kept for the timeout error.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { what, timeoutMs = 60_000, intervalMs = 250 }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem: string | null = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastProblem = null;
    } catch (err) {
      lastProblem = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, timeoutMs, lastProblem);
    await delay(intervalMs);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
