import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

/**
 * How many agent URLs the configuration holds. plugin.json declares two static routes per slot
 * (`agents/<n>` and `agents/<n>/*`); a test keeps the two in step.
 */
export const AGENT_SLOTS = 20;

/** How often the fleet and cluster pages ask the agents again. */
export const REFRESH_INTERVAL_MS = 5000;

export const clusterPath = (scope: string) => `${PLUGIN_BASE_URL}/clusters/${encodeURIComponent(scope)}`;

export const sessionsPath = (scope: string) => `${clusterPath(scope)}/sessions`;

export const sessionPath = (scope: string, id: string) => `${sessionsPath(scope)}/${encodeURIComponent(id)}`;
