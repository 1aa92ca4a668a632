/** The knobs a session can tune on this cluster, with their search ranges, and the ones excluded with why. */
import type { KnobView, KnobsView } from '@patroni-tuner/backend/contract';
import { agentRequest } from './agent-api';

export const fetchKnobs = (slot: number) => agentRequest<KnobsView>(slot, '/api/v1/knobs');

/** The range searched, as PostgreSQL shows values (`4MB … 1GB`), or the choices of a bool or enum. */
export function knobRange(knob: KnobView): string {
  if ('choices' in knob) {
    return knob.choices.map(String).join(' | ');
  }
  return `${knob.display.low ?? knob.low} … ${knob.display.high ?? knob.high}`;
}
