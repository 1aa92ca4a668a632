/** The session's events, newest first, each with its detail as the agent recorded it. */
import React from 'react';
import { Text } from '@grafana/ui';
import type { EventRecord } from '@patroni-tuner/backend/contract';
import { formatTime } from '../../format';

export function EventTimeline({ events }: { events: EventRecord[] }) {
  if (events.length === 0) {
    return <Text color="secondary">No event recorded.</Text>;
  }
  const newestFirst = [...events].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id - a.id);
  return (
    <ol style={{ listStyle: 'none', padding: 0 }}>
      {newestFirst.map((event) => (
        <li key={event.id}>
          <Text color="secondary">{formatTime(event.at)}</Text> <strong>{event.type.replace(/_/g, ' ')}</strong>
          {event.member && ` on ${event.member}`}
          {Object.keys(event.detail).length > 0 && <Text color="secondary"> {JSON.stringify(event.detail)}</Text>}
        </li>
      ))}
    </ol>
  );
}
