import React, { useMemo } from 'react';
import { Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { configuredAgents, prometheusDatasourceUid, type AppSettings } from '../../settings';
import { AgentsContext } from './AgentsContext';
import { PrometheusContext } from './PrometheusContext';

const FleetPage = React.lazy(() => import('../../pages/FleetPage'));
const ClusterPage = React.lazy(() => import('../../pages/ClusterPage'));
const SessionsPage = React.lazy(() => import('../../pages/SessionsPage'));
const SessionPage = React.lazy(() => import('../../pages/SessionPage'));

function App({ meta }: AppRootProps<AppSettings>) {
  const agents = useMemo(() => configuredAgents(meta.jsonData), [meta.jsonData]);
  return (
    <AgentsContext.Provider value={agents}>
      <PrometheusContext.Provider value={prometheusDatasourceUid(meta.jsonData)}>
        <Routes>
          <Route path="clusters/:scope" element={<ClusterPage />} />
          <Route path="clusters/:scope/sessions" element={<SessionsPage />} />
          <Route path="clusters/:scope/sessions/:id" element={<SessionPage />} />
          <Route path="*" element={<FleetPage />} />
        </Routes>
      </PrometheusContext.Provider>
    </AgentsContext.Provider>
  );
}

export default App;
