/**
 * PATCH /config the way every configuration change is sent (DESIGN.md §4 rules 2 and 9): the body is
 * recorded in the store before it goes to Patroni, and its outcome after. Used by a session's applies
 * and by baseline restores.
 */
import type { PatroniConfigPatch } from '../../patroni/responses.js';
import type { Store } from '../../store/store.js';
import type { Clock, ConfigPort } from './ports.js';

export type PatchOutcome = { ok: true } | { ok: false; error: string };

/** Patroni's refusal is returned as an outcome; a store that cannot record it rejects. */
export async function sendRecordedPatch(
  ports: { store: Store; config: ConfigPort; clock: Clock },
  sessionId: string,
  iteration: number | null,
  body: PatroniConfigPatch,
): Promise<PatchOutcome> {
  const { store, config, clock } = ports;
  const patchId = await store.recordPatch({ sessionId, iteration, body, sentAt: new Date(clock.now()) });
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
