import type { NodeStatus } from '../patroni/responses.js';
import type { Topology } from '../topology/model.js';

/**
 * Which member of the cluster this agent runs beside. Patroni 3.2+ names itself in /patroni;
 * older versions do not, so the member whose advertised REST address matches the configured
 * Patroni URL is taken, and failing that the only member on the same port.
 */
export function identifySelf(node: NodeStatus, topology: Topology, patroniUrl: string): string | null {
  if (node.name !== null) return node.name;
  const configured = new URL(patroniUrl);
  const port = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : '80');
  const candidates = topology.members.filter((m) => m.apiUrl !== null && URL.canParse(m.apiUrl));
  const sameAddress = candidates.filter((m) => {
    const advertised = new URL(m.apiUrl!);
    return advertised.hostname === configured.hostname && port(advertised) === port(configured);
  });
  if (sameAddress.length === 1) return sameAddress[0]!.name;
  const samePort = candidates.filter((m) => port(new URL(m.apiUrl!)) === port(configured));
  return samePort.length === 1 ? samePort[0]!.name : null;
}
