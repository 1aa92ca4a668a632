/** Notices every page shows in place of, or beside, its content. */
import React from 'react';
import { Alert, LinkButton } from '@grafana/ui';
import { describeAgentError } from '../api/agent-api';
import type { FailedAgent } from '../api/fleet';
import { PLUGIN_ID } from '../constants';

export function NoAgentsConfigured() {
  return (
    <Alert severity="info" title="No agents configured">
      <p>Add the URL of the Patroni Tuner agent beside each database node, and the agents&apos; API token.</p>
      <LinkButton href={`/plugins/${PLUGIN_ID}`} icon="cog" variant="secondary">
        Open the configuration
      </LinkButton>
    </Alert>
  );
}

export function FailedAgents({ failed }: { failed: readonly FailedAgent[] }) {
  if (failed.length === 0) {
    return null;
  }
  const title = failed.length === 1 ? '1 agent does not answer' : `${failed.length} agents do not answer`;
  return (
    <Alert severity="warning" title={title}>
      <ul>
        {failed.map(({ slot, url, error }) => (
          <li key={slot}>
            Agent {slot + 1} ({url}): {describeAgentError(error)}
          </li>
        ))}
      </ul>
    </Alert>
  );
}

export function LoadError({ title, error }: { title: string; error: Error }) {
  return (
    <Alert severity="error" title={title}>
      {error.message}
    </Alert>
  );
}
