/** Stable hooks for jest and the Chromium test. */
export const testIds = {
  appConfig: {
    agentUrl: (row: number) => `data-testid agent-url-${row}`,
    testResult: (row: number) => `data-testid agent-test-result-${row}`,
    apiToken: 'data-testid api-token',
    prometheus: 'data-testid prometheus-datasource',
    save: 'data-testid save-settings',
  },
  fleet: {
    card: (scope: string) => `data-testid cluster-card-${scope}`,
    halt: (sessionId: string) => `data-testid halt-${sessionId}`,
  },
  sessions: {
    row: (id: string) => `data-testid session-${id}`,
    start: 'data-testid start-session',
  },
  session: {
    progress: 'data-testid session-progress',
    chart: 'data-testid session-chart',
    iteration: (n: number) => `data-testid iteration-${n}`,
    stop: 'data-testid stop-session',
    patronictl: 'data-testid patronictl-command',
    halt: 'data-testid session-halt',
  },
  approval: {
    banner: (sessionId: string) => `data-testid pending-change-${sessionId}`,
    table: 'data-testid review-table',
    row: (knob: string) => `data-testid review-${knob}`,
  },
  cluster: {
    member: (name: string) => `data-testid member-${name}`,
    metricsPanel: (title: string) => `data-testid member-metrics ${title}`,
    metricsOff: 'data-testid member-metrics-off',
  },
};
