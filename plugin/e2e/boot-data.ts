// Grafana's index page defines grafanaBootData before any module runs; @grafana/runtime reads it on load.
(window as unknown as { grafanaBootData: unknown }).grafanaBootData = {
  assets: { dark: '', light: '' },
  settings: { appSubUrl: '', buildInfo: { version: '13.1.0' }, featureToggles: {} },
  user: { login: 'admin', name: 'Admin', orgRole: 'Admin', isSignedIn: true, orgId: 1 },
  navTree: [],
};
// Where @grafana/ui finds its icons (the harness server serves them from @grafana/ui's package).
(window as unknown as { __grafana_public_path__: string }).__grafana_public_path__ = '/public/';
export {};
