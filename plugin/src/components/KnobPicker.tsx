/**
 * The knob subset of a new session, chosen from the agent's catalogue: each tunable knob with its current
 * value and the range searched; the excluded ones listed with the reason. None chosen tunes them all.
 */
import React, { useEffect, useState } from 'react';
import { Checkbox, ControlledCollapse, LoadingPlaceholder, Stack, Text } from '@grafana/ui';
import type { KnobsView } from '@patroni-tuner/backend/contract';
import { AgentRequestError, describeAgentError } from '../api/agent-api';
import { fetchKnobs, knobRange } from '../api/knobs';

export interface KnobPickerProps {
  slot: number;
  selected: readonly string[];
  onChange: (selected: string[]) => void;
}

export function KnobPicker({ slot, selected, onChange }: KnobPickerProps) {
  const [knobs, setKnobs] = useState<KnobsView | null>(null);
  const [error, setError] = useState<AgentRequestError | null>(null);
  useEffect(() => {
    let cancelled = false;
    fetchKnobs(slot).then(
      (view) => !cancelled && setKnobs(view),
      (caught: unknown) => {
        if (!(caught instanceof AgentRequestError)) {
          throw caught;
        }
        if (!cancelled) {
          setError(caught);
        }
      }
    );
    return () => {
      cancelled = true;
    };
  }, [slot]);

  if (error) {
    return (
      <Text color="error">The knobs could not be read ({describeAgentError(error)}): every tunable knob is tuned.</Text>
    );
  }
  if (knobs === null) {
    return <LoadingPlaceholder text="Reading the knobs…" />;
  }
  const toggle = (name: string) =>
    onChange(selected.includes(name) ? selected.filter((n) => n !== name) : [...selected, name]);
  return (
    <Stack direction="column" gap={1}>
      <Text color="secondary">
        {selected.length === 0
          ? `All ${knobs.tunable.length} tunable knobs are tuned; choose some to tune only those.`
          : `${selected.length} of ${knobs.tunable.length} tunable knobs chosen.`}
      </Text>
      <ControlledCollapse label={`Knobs (${knobs.tunable.length} tunable, ${knobs.excluded.length} excluded)`}>
        <Stack direction="column" gap={0.5}>
          {knobs.tunable.map((knob) => (
            <Checkbox
              key={knob.name}
              value={selected.includes(knob.name)}
              onChange={() => toggle(knob.name)}
              label={`${knob.name}: ${knob.display.current}, searched ${knobRange(knob)}`}
              description={knob.description}
            />
          ))}
          <Text element="h6">Excluded</Text>
          <ul>
            {knobs.excluded.map((knob) => (
              <li key={knob.name}>
                {knob.name}: {knob.reason.replace(/_/g, ' ')}
                {knob.detail && ` (${knob.detail})`}
              </li>
            ))}
          </ul>
        </Stack>
      </ControlledCollapse>
    </Stack>
  );
}
