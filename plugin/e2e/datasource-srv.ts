/**
 * Grafana's DataSourceSrv for the harness page, reduced to what the app uses (the configuration page's
 * DataSourcePicker): built, as Grafana builds it, from the data sources of /api/frontend/settings;
 * listed (filtered by type), and found by uid or name, a null reference meaning the default one.
 */
import type { DataSourceInstanceSettings, DataSourceRef } from '@grafana/data';
import type { DataSourceSrv, GetDataSourceListFilters } from '@grafana/runtime';

interface FrontendSettings {
  datasources: Record<string, DataSourceInstanceSettings>;
  defaultDatasource: string;
}

export async function loadDataSourceSrv(): Promise<DataSourceSrv> {
  const settings = (await (await window.fetch('/api/frontend/settings')).json()) as FrontendSettings;
  const all = Object.values(settings.datasources);
  const find = (ref: string | DataSourceRef | null | undefined) => {
    if (ref === null || ref === undefined) {
      return settings.datasources[settings.defaultDatasource];
    }
    const key = typeof ref === 'string' ? ref : ref.uid;
    return all.find((ds) => ds.uid === key || ds.name === key);
  };
  return {
    getList: (filters: GetDataSourceListFilters = {}) => all.filter((ds) => !filters.type || ds.type === filters.type),
    getInstanceSettings: find,
    get: () => Promise.reject(new Error('the harness has no data source plugins: the app queries /api/ds/query')),
    reload: () => Promise.resolve(),
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv;
}
