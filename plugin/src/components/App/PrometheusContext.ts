import { createContext, useContext } from 'react';

/** The uid of the Prometheus data source chosen on the configuration page, or null: the panels are off. */
export const PrometheusContext = createContext<string | null>(null);

export const usePrometheusDatasource = () => useContext(PrometheusContext);
