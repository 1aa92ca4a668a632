/**
 * PATCH /config the way every configuration change is sent (DESIGN.md §4 rules 2 and 9): the body is
 * recorded in the store before it goes to Patroni, and its outcome after. Used by a session's applies
 * and by baseline restores.
 */
import type { PatroniConfigPatch } from '../../patroni/responses.js';
import type { Store } from '../../store/store.js';
import type { Clock, ConfigPort } from './ports.js';

export type PatchOutcome = { ok: true } | { ok: false; error: string };

/**
 * Patroni's refusal is returned as an outcome; a store that cannot record it rejects. `signal` is
 * checked after the record is written, the last await before the PATCH: once it is aborted (a halt)
 * the record is completed as not sent, nothing goes to Patroni and the signal's reason is thrown.
 */
export async function sendRecordedPatch(
  ports: { store: Store; config: ConfigPort; clock: Clock },
  sessionId: string,
  iteration: number | null,
  body: PatroniConfigPatch,
  signal: AbortSignal,
): Promise<PatchOutcome> {
  const { store, config, clock } = ports;
  signal.throwIfAborted();
  const patchId = await store.recordPatch({ sessionId, iteration, body, sentAt: new Date(clock.now()) });
  if (signal.aborted) {
    await store.completePatch(patchId, 'error', `not sent: ${reasonOf(signal)}`);
    signal.throwIfAborted();
  }
  try {
    await config.patchConfig(body);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await store.completePatch(patchId, 'error', message);
    return { ok: false, error: message };
  }
  await store.completePatch(patchId, 'ok', null);
  return { ok: true };
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason);
}
