/** The outcome of asking something that may be down: its value, or the reason it did not answer. */
export type ProbeResult<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

/** Settles `work` into a ProbeResult; the error's `code` (typed errors carry one) is kept. */
export async function probe<T>(work: Promise<T>): Promise<ProbeResult<T>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    return probeFailure(error);
  }
}

export function probeFailure(error: unknown): { ok: false; code: string; message: string } {
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'error';
  return { ok: false, code, message: error instanceof Error ? error.message : String(error) };
}
