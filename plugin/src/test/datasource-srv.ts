/**
 * Grafana's DataSourceSrv for jest, reduced to what the configuration page's DataSourcePicker reads:
 * the list of data sources and one by uid or name. Grafana fills it from its boot data.
 */
import type { DataSourceInstanceSettings } from '@grafana/data';
import { setDataSourceSrv, type DataSourceSrv, type GetDataSourceListFilters } from '@grafana/runtime';

export interface FakeDataSource {
  uid: string;
  name: string;
  type: string;
}

export function installFakeDataSources(sources: FakeDataSource[]): void {
  const settings = sources.map(
    (source) =>
      ({
        ...source,
        id: 1,
        access: 'proxy',
        jsonData: {},
        readOnly: true,
        meta: { id: source.type, name: source.type, type: 'datasource', info: { logos: { small: '', large: '' } } },
      }) as unknown as DataSourceInstanceSettings
  );
  const find = (ref: unknown) => {
    const key = typeof ref === 'string' ? ref : (ref as { uid?: string } | null | undefined)?.uid;
    return settings.find((s) => s.uid === key || s.name === key);
  };
  setDataSourceSrv({
    getList: (filters: GetDataSourceListFilters = {}) => settings.filter((s) => !filters.type || s.type === filters.type),
    getInstanceSettings: find,
    get: () => Promise.reject(new Error('not used by the app')),
    reload: () => Promise.resolve(),
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv);
}
