/**
 * The app's settings as Grafana stores them: one `jsonData.agentUrl<n>` per slot (a plugin route reads
 * exactly one key, so a list cannot be used) and the agents' token in `secureJsonData.apiToken`.
 */
import { AGENT_SLOTS } from './constants';

export type AgentUrlKey = `agentUrl${number}`;

export type AppSettings = {
  [key: AgentUrlKey]: string | undefined;
  /** The uid of the Prometheus data source the cluster page draws the per-member panels from. */
  prometheusDatasourceUid?: string;
};

/** One configured agent: the route slot Grafana proxies through and the URL behind it. */
export interface AgentSlot {
  slot: number;
  url: string;
}

const SLOT_KEY = /^agentUrl\d+$/;

export const slotKey = (slot: number): AgentUrlKey => `agentUrl${slot}`;

export function configuredAgents(jsonData: AppSettings | undefined): AgentSlot[] {
  const agents: AgentSlot[] = [];
  for (let slot = 0; slot < AGENT_SLOTS; slot++) {
    const url = jsonData?.[slotKey(slot)]?.trim();
    if (url) {
      agents.push({ slot, url });
    }
  }
  return agents;
}

/**
 * The jsonData to save for these URLs, in slot order, keeping every other setting. Slots beyond the
 * list are dropped, so a removed URL is no longer proxied.
 */
export function withAgentUrls(jsonData: AppSettings | undefined, urls: readonly string[]): AppSettings {
  if (urls.length > AGENT_SLOTS) {
    throw new RangeError(`at most ${AGENT_SLOTS} agent URLs`);
  }
  const kept = Object.fromEntries(Object.entries(jsonData ?? {}).filter(([key]) => !SLOT_KEY.test(key)));
  const slots = Object.fromEntries(urls.map((url, slot) => [slotKey(slot), url]));
  return { ...kept, ...slots };
}

/** The Prometheus data source chosen on the configuration page, or null when none is. */
export function prometheusDatasourceUid(jsonData: AppSettings | undefined): string | null {
  return jsonData?.prometheusDatasourceUid?.trim() || null;
}

/** The jsonData to save with this Prometheus data source, or without any (its panels off). */
export function withPrometheusDatasource(jsonData: AppSettings, uid: string | null): AppSettings {
  const { prometheusDatasourceUid: _previous, ...rest } = jsonData;
  return uid === null ? rest : { ...rest, prometheusDatasourceUid: uid };
}

/** What is wrong with a URL typed on the configuration page, or null. */
export function agentUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL (e.g. http://db1.example.com:8080)';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return 'must start with http:// or https://';
  }
  if (parsed.pathname !== '/' || parsed.search || parsed.hash) {
    return "the agent's base URL, without a path";
  }
  return null;
}
