/**
 * A stand-in for Grafana's shell, for the Chromium test: it loads the BUILT dist/module.js the way
 * Grafana does — an AMD module whose dependencies (React, @grafana/*, …) the host provides — and
 * renders the app's root page under /a/<id>/ or its configuration page under /plugins/<id>, with a
 * BackendSrv over window.fetch, the PanelRenderer Grafana registers at boot and a DataSourceSrv of
 * the harness's data sources. The harness server answers /api/plugins/<id>/settings, the plugin
 * proxy and /api/ds/query.
 */
import './boot-data';
import * as emotionCss from '@emotion/css';
import * as grafanaData from '@grafana/data';
import type { AppPlugin, AppPluginMeta, KeyValue } from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import { config, setBackendSrv, setDataSourceSrv, type BackendSrv, type BackendSrvRequest, type FetchResponse } from '@grafana/runtime';
import { setPanelRenderer } from '@grafana/runtime/internal';
import * as grafanaUi from '@grafana/ui';
import { GlobalStyles, ThemeContext } from '@grafana/ui';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as reactRouter from 'react-router';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import * as rxjs from 'rxjs';
import { HarnessPanelRenderer } from './panel-renderer';
import { loadDataSourceSrv } from './datasource-srv';

const PLUGIN_ID = 'patronituner-app';
const MODULE_URL = `/public/plugins/${PLUGIN_ID}/module.js`;

/** What Grafana's SystemJS gives an app plugin's AMD define. */
const sharedModules: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  'react/jsx-runtime': jsxRuntime,
  'react-router': reactRouter,
  rxjs,
  '@emotion/css': emotionCss,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  module: { uri: MODULE_URL },
};

function loadPluginModule(): Promise<{ plugin: AppPlugin<KeyValue> }> {
  return new Promise((resolve, reject) => {
    const define = (deps: string[], factory: (...modules: unknown[]) => { plugin: AppPlugin<KeyValue> }) => {
      const missing = deps.filter((dep) => !(dep in sharedModules));
      if (missing.length > 0) {
        reject(new Error(`module.js needs modules Grafana's harness does not provide: ${missing.join(', ')}`));
        return;
      }
      resolve(factory(...deps.map((dep) => sharedModules[dep])));
    };
    define.amd = {};
    Object.assign(window, { define });
    const script = document.createElement('script');
    script.src = MODULE_URL;
    script.onerror = () => reject(new Error(`could not load ${MODULE_URL}`));
    document.head.appendChild(script);
  });
}

/** Grafana's BackendSrv.fetch, reduced to what a plugin sees: a FetchResponse, or a FetchError thrown. */
const backendSrv = {
  fetch<T>(options: BackendSrvRequest) {
    return new rxjs.Observable<FetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      window
        .fetch(options.url, {
          method: options.method ?? 'GET',
          headers: options.data === undefined ? {} : { 'content-type': 'application/json' },
          body: options.data === undefined ? undefined : JSON.stringify(options.data),
          signal: controller.signal,
        })
        .then(async (response) => {
          const text = await response.text();
          let data: unknown = text;
          try {
            data = text === '' ? undefined : JSON.parse(text);
          } catch {
            // Not JSON: handed over as text, as Grafana does.
          }
          if (!response.ok) {
            subscriber.error({ status: response.status, statusText: response.statusText, data, config: options });
            return;
          }
          subscriber.next({
            data: data as T,
            status: response.status,
            statusText: response.statusText,
            ok: true,
            headers: response.headers,
            redirected: response.redirected,
            type: response.type,
            url: response.url,
            config: options,
          });
          subscriber.complete();
        })
        .catch((error: unknown) =>
          subscriber.error({ status: -1, statusText: String(error), data: undefined, config: options })
        );
      return () => controller.abort();
    });
  },
} as unknown as BackendSrv;

async function main(): Promise<void> {
  setBackendSrv(backendSrv);
  // What Grafana's boot does before any plugin renders (see panel-renderer.tsx).
  setPanelRenderer(HarnessPanelRenderer);
  setDataSourceSrv(await loadDataSourceSrv());
  const [{ plugin }, settings] = await Promise.all([
    loadPluginModule(),
    window.fetch(`/api/plugins/${PLUGIN_ID}/settings`).then((r) => r.json() as Promise<AppPluginMeta<KeyValue>>),
  ]);
  plugin.meta = settings;
  const root = createRoot(document.getElementById('root')!);
  const Root = plugin.root!;
  const ConfigPage = plugin.configPages![0]!.body;
  root.render(
    <ThemeContext.Provider value={config.theme2}>
      <GlobalStyles />
      <div style={{ padding: 24, minHeight: '100vh', background: config.theme2.colors.background.canvas }}>
        <BrowserRouter>
          <nav style={{ display: 'flex', gap: 16, marginBottom: 16 }}>
            <grafanaUi.TextLink href={`/a/${PLUGIN_ID}/`} inline={false}>
              Patroni Tuner
            </grafanaUi.TextLink>
            <grafanaUi.TextLink href={`/plugins/${PLUGIN_ID}`} inline={false}>
              Configuration
            </grafanaUi.TextLink>
          </nav>
          <Routes>
            <Route path={`/plugins/${PLUGIN_ID}`} element={<ConfigPage plugin={plugin} query={{}} />} />
            <Route
              path={`/a/${PLUGIN_ID}/*`}
              element={
                <Root
                  meta={settings}
                  basename={`/a/${PLUGIN_ID}`}
                  query={{}}
                  path={`/a/${PLUGIN_ID}`}
                  onNavChanged={() => undefined}
                />
              }
            />
          </Routes>
        </BrowserRouter>
      </div>
    </ThemeContext.Provider>
  );
}

main().catch((error: unknown) => {
  document.getElementById('root')!.textContent = `harness: ${error instanceof Error ? error.message : String(error)}`;
});
