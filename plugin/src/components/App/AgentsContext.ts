import { createContext, useContext } from 'react';
import type { AgentSlot } from '../../settings';

/** The configured agents, from the app's settings (plugin meta), for every page. */
export const AgentsContext = createContext<readonly AgentSlot[]>([]);

export const useAgents = () => useContext(AgentsContext);
